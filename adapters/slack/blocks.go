package slack

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/peerbot/peerbot/bot"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	maxSectionText = 3000 // characters in a section's text
	maxButtonText  = 75   // characters in a button's label
	maxButtonValue = 2000 // characters in a button's value
	maxActions     = 25   // elements in one actions block
	maxBlocks      = 50   // blocks in one message
	// maxMessageText is where a long plain message is split into several:
	// Slack accepts 40,000 characters but cuts what it shows far earlier.
	maxMessageText = 3500
)

// Our buttons' ids. The action id carries the option's index, so every
// button of a message has a unique one.
const (
	actionPrefix  = "peerbot_option_"
	actionsPrefix = "peerbot_options_"
)

// escape makes text safe for Slack's mrkdwn: &, < and > must be entities,
// or "<flow>" would be read as a link.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackMarkup matches Slack's angle-bracket markup in message text: user
// and channel mentions, special mentions and links.
var slackMarkup = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// plainText turns the text of a Slack message into what the person typed:
// links become their label (or address), mentions become @name or #channel,
// and entities are decoded.
func plainText(s string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackMarkup.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "@"):
			if label != "" {
				return "@" + label
			}
			return target
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			name, _, _ := strings.Cut(target[1:], "^")
			return "@" + name
		case label != "":
			return label
		default:
			return strings.TrimPrefix(target, "mailto:")
		}
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// splitText cuts text into pieces of at most max characters, at a blank
// line where it can, else at a line end, else at a space.
func splitText(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		// The byte offset of the max-th rune.
		limit := len(text)
		n := 0
		for i := range text {
			if n == max {
				limit = i
				break
			}
			n++
		}
		head := text[:limit]
		cut := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > 0 {
				cut = i
				break
			}
		}
		if cut <= 0 {
			cut = limit
		}
		out = append(out, strings.TrimRight(text[:cut], " \n"))
		text = strings.TrimLeft(text[cut:], " \n")
	}
	if len(out) > 0 {
		text = strings.TrimRight(text, " \n")
	}
	if text != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}

// truncate cuts s to at most max characters, ending in "…" when cut.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

func mrkdwn(text string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, text, false, false)
}

// textBlocks renders text as sections of at most maxSectionText characters.
func textBlocks(text string) []slackgo.Block {
	var blocks []slackgo.Block
	for _, part := range splitText(escape(text), maxSectionText) {
		if part == "" {
			continue
		}
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(part), nil, nil))
	}
	return blocks
}

// promptBlocks renders a question with buttons: its text in sections, then
// actions blocks of at most 25 buttons each. Each button's action id holds
// its index; its value is the option's value.
func promptBlocks(text string, opts []bot.Option) []slackgo.Block {
	blocks := textBlocks(text)
	// Leave room for the buttons: a question never needs 50 blocks.
	if n := (len(opts) + maxActions - 1) / maxActions; len(blocks)+n > maxBlocks {
		blocks = blocks[:maxBlocks-n]
	}
	var elems []slackgo.BlockElement
	flush := func() {
		if len(elems) > 0 {
			id := actionsPrefix + strconv.Itoa(len(blocks))
			blocks = append(blocks, slackgo.NewActionBlock(id, elems...))
			elems = nil
		}
	}
	for i, o := range opts {
		label := truncate(o.Label, maxButtonText)
		if label == "" {
			label = truncate(o.Value, maxButtonText)
		}
		b := slackgo.NewButtonBlockElement(actionPrefix+strconv.Itoa(i), truncate(o.Value, maxButtonValue),
			slackgo.NewTextBlockObject(slackgo.PlainTextType, label, true, false))
		elems = append(elems, b)
		if len(elems) == maxActions {
			flush()
		}
	}
	flush()
	return blocks
}

// answeredBlocks is a clicked prompt as it is shown afterwards: the
// question without its buttons, and the answer under it.
func answeredBlocks(original []slackgo.Block, fallback, note string) []slackgo.Block {
	var blocks []slackgo.Block
	for _, b := range original {
		if b.BlockType() == slackgo.MBTAction {
			continue
		}
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 && fallback != "" {
		blocks = textBlocks(plainText(fallback))
	}
	if len(blocks) >= maxBlocks {
		blocks = blocks[:maxBlocks-1]
	}
	return append(blocks, slackgo.NewContextBlock("peerbot_answer", mrkdwn(note)))
}

// hasOurButtons reports whether blocks still hold peerbot's buttons, that
// is whether the prompt is still open.
func hasOurButtons(blocks []slackgo.Block) bool {
	for _, b := range blocks {
		if a, ok := b.(*slackgo.ActionBlock); ok && strings.HasPrefix(a.BlockID, actionsPrefix) {
			return true
		}
	}
	return false
}

// homeBlocks is the App Home tab for a user.
func homeBlocks(s bot.Summary, now time.Time) []slackgo.Block {
	header := slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, "Your check-ins", false, false))
	footer := slackgo.NewContextBlock("peerbot_home_help", mrkdwn(
		"Write to me in the *Messages* tab: \"checkin\" for today's check-in, \"help\" for everything I can do, "+
			"\"resources\" for people you can reach any time. Or use `/checkin` and `/peerbot <command>` anywhere."))
	if s.Consent != bot.ConsentGiven {
		return []slackgo.Block{header,
			slackgo.NewSectionBlock(mrkdwn("You haven't started yet. Send me a message in the *Messages* tab and I'll explain how check-ins work — nothing is stored until you agree."), nil, nil),
			footer}
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil || s.Timezone == "" {
		loc = time.UTC
	}
	streak := "No check-in streak yet — today is a good day to start."
	switch {
	case s.Streak == 1:
		streak = "*Streak:* 1 day"
	case s.Streak > 1:
		streak = fmt.Sprintf("*Streak:* %d days in a row", s.Streak)
	}
	goal := "*Current goal:* none yet — say \"start goal-setting\" to set one."
	if s.Goal != "" {
		goal = "*Current goal:* " + escape(truncate(s.Goal, 1000))
	}
	state := "*Check-ins:* on"
	switch {
	case s.Stopped:
		state = "*Check-ins:* stopped. Say \"resume\" to turn them back on."
	case s.PausedUntil.Year() >= 9999:
		state = "*Check-ins:* paused until you say \"resume\"."
	case s.PausedUntil.After(now):
		state = "*Check-ins:* paused until " + s.PausedUntil.In(loc).Format("Monday 2 January 2006") + ". Say \"resume\" to start again sooner."
	}
	blocks := []slackgo.Block{header,
		slackgo.NewSectionBlock(mrkdwn(streak), nil, nil),
		slackgo.NewSectionBlock(mrkdwn(goal), nil, nil),
		slackgo.NewSectionBlock(mrkdwn(state), nil, nil),
	}
	if s.InFlow != "" {
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn("You're in the middle of a check-in: carry on in the *Messages* tab."), nil, nil))
	}
	return append(blocks, slackgo.NewDividerBlock(), footer)
}

// slackTime parses a Slack timestamp ("1700000000.000100").
func slackTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	var us int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		us, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(s, us*1000)
}

// tsBefore reports whether Slack timestamp a is earlier than b.
func tsBefore(a, b string) bool {
	ta, tb := slackTime(a), slackTime(b)
	if ta.IsZero() || tb.IsZero() {
		return false
	}
	return ta.Before(tb)
}
