package bot

import "time"

// PlaceScheduledStart sets up in st a scheduled start of flow due at due,
// as the scheduler does at the end of a turn (see reschedule), and returns
// the outbox timer to save with it in the same Save (Save.Outbox); the
// caller then asks for a wake at due (Store.ScheduleWake). When the timer
// is due, a sweep (SweepWakes) begins the flow for user as if the schedule
// had fired. It is for load tests that put many people in place without a
// turn each: st's profile must say they consented. now dates the entry; n
// tells apart timers due at the same instant.
func PlaceScheduledStart(st *State, user UserID, platform, flow string, now, due time.Time, n uint32) Outbound {
	id := entryID(due, n)
	if st.Scheduled == nil {
		st.Scheduled = map[string]string{}
	}
	st.Scheduled[flow] = id
	return Outbound{
		ID: id, Owner: user, Platform: platform, Reply: Reply{User: user},
		Created: now, LeaseUntil: due, Timer: timerBegin + ":" + flow,
	}
}
