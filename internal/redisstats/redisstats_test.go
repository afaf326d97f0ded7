package redisstats

import "testing"

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\n" +
		"cmdstat_set:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_client|setinfo:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=2\r\n"
	got, err := parseCommandStats(info)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["set"] != 3 || got["client|setinfo"] != 2 {
		t.Fatalf("got %v", got)
	}
	if _, err := parseCommandStats("cmdstat_set:usec=1\r\n"); err == nil {
		t.Fatal("no error for a line without calls")
	}
}

func TestSince(t *testing.T) {
	before := map[string]int64{"set": 2, "info": 1, "get": 5}
	after := map[string]int64{"set": 5, "info": 2, "get": 5, "evalsha": 4}
	total, delta := Since(before, after)
	if total != 7 || len(delta) != 2 || delta["set"] != 3 || delta["evalsha"] != 4 {
		t.Fatalf("Since = %d, %v; want 7, set 3 and evalsha 4", total, delta)
	}
}
