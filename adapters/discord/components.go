package discord

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/peerbot/peerbot/bot"
)

// Discord's limits on components and content.
const (
	maxContent     = 2000 // characters of a message
	maxRows        = 5    // action rows of a message
	maxPerRow      = 5    // buttons of a row
	maxButtons     = 10   // past this, a select menu
	maxMenuOptions = 25   // options of a select menu
	maxLabel       = 80   // characters of a button label
	maxOptionLabel = 100  // characters of a select option label
	maxCustomID    = 100  // characters of a custom_id or option value

	idPrefix   = "pb:"      // custom_id of a button: pb:<index>:<value>
	menuPrefix = "pb:menu:" // custom_id of a select menu: pb:menu:<n>; option values <index>:<value>
)

// components renders options: buttons in rows of at most 5 (rows as even
// as can be) for up to 10 options, select menus of up to 25 options each
// past that. Each custom_id or option value carries the option's index and
// value (the value is left out when it does not fit; a click then answers
// with the label).
func components(opts []bot.Option) []discordgo.MessageComponent {
	n := len(opts)
	if n == 0 {
		return nil
	}
	var out []discordgo.MessageComponent
	if n <= maxButtons {
		rows := (n + maxPerRow - 1) / maxPerRow
		per := (n + rows - 1) / rows
		for start := 0; start < n; start += per {
			var row []discordgo.MessageComponent
			for i := start; i < min(start+per, n); i++ {
				row = append(row, discordgo.Button{
					Label:    truncate(oneLine(opts[i].Label), maxLabel),
					Style:    discordgo.PrimaryButton,
					CustomID: encodeChoice(idPrefix, i, opts[i].Value),
				})
			}
			out = append(out, discordgo.ActionsRow{Components: row})
		}
		return out
	}
	for menu := 0; menu*maxMenuOptions < n && menu < maxRows; menu++ {
		var options []discordgo.SelectMenuOption
		for i := menu * maxMenuOptions; i < min((menu+1)*maxMenuOptions, n); i++ {
			options = append(options, discordgo.SelectMenuOption{
				Label: truncate(oneLine(opts[i].Label), maxOptionLabel),
				Value: encodeChoice("", i, opts[i].Value),
			})
		}
		placeholder := "Choose an answer"
		if n > maxMenuOptions {
			placeholder = "Choose an answer (" + options[0].Label + " … " + options[len(options)-1].Label + ")"
			placeholder = truncate(placeholder, 150)
		}
		one := 1
		out = append(out, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.SelectMenu{
			MenuType:    discordgo.StringSelectMenu,
			CustomID:    menuPrefix + strconv.Itoa(menu),
			Placeholder: placeholder,
			MinValues:   &one,
			MaxValues:   1,
			Options:     options,
		}}})
	}
	return out
}

// encodeChoice returns prefix + "<index>:<value>", without the value when
// it would pass Discord's 100 characters.
func encodeChoice(prefix string, index int, value string) string {
	s := prefix + strconv.Itoa(index) + ":"
	if len(s)+len(value) <= maxCustomID {
		s += value
	}
	return s
}

// decodeChoice splits "<index>:<value>".
func decodeChoice(s string) (index int, value string, ok bool) {
	i, v, found := strings.Cut(s, ":")
	n, err := strconv.Atoi(i)
	if !found || err != nil || n < 0 {
		return 0, "", false
	}
	return n, v, true
}

// clicked returns the label and value of a click on one of our components
// of msg; ok is false for a component that is not ours.
func clicked(msg *discordgo.Message, data discordgo.MessageComponentInteractionData) (label, value string, ok bool) {
	switch {
	case strings.HasPrefix(data.CustomID, menuPrefix):
		if len(data.Values) != 1 {
			return "", "", false
		}
		if _, value, ok = decodeChoice(data.Values[0]); !ok {
			return "", "", false
		}
		label = value
		if msg != nil {
			walk(msg.Components, func(c discordgo.MessageComponent) discordgo.MessageComponent {
				if m, isMenu := asSelect(c); isMenu && m.CustomID == data.CustomID {
					for _, o := range m.Options {
						if o.Value == data.Values[0] {
							label = o.Label
						}
					}
				}
				return c
			})
		}
	case strings.HasPrefix(data.CustomID, idPrefix):
		if _, value, ok = decodeChoice(strings.TrimPrefix(data.CustomID, idPrefix)); !ok {
			return "", "", false
		}
		label = value
		if msg != nil {
			walk(msg.Components, func(c discordgo.MessageComponent) discordgo.MessageComponent {
				if b, isButton := asButton(c); isButton && b.CustomID == data.CustomID {
					label = b.Label
				}
				return c
			})
		}
	default:
		return "", "", false
	}
	if label == "" {
		return "", "", false
	}
	return label, value, true
}

// disabled returns a copy of cs with every button and menu disabled; the
// chosen one (customID, and for a menu the option value) stays primary and
// the others turn grey.
func disabled(cs []discordgo.MessageComponent, customID, chosenValue string) []discordgo.MessageComponent {
	return walk(cs, func(c discordgo.MessageComponent) discordgo.MessageComponent {
		if b, ok := asButton(c); ok {
			b.Disabled = true
			if b.URL == "" {
				b.Style = discordgo.SecondaryButton
				if b.CustomID == customID {
					b.Style = discordgo.PrimaryButton
				}
			}
			return b
		}
		if m, ok := asSelect(c); ok {
			m.Disabled = true
			opts := make([]discordgo.SelectMenuOption, len(m.Options))
			for i, o := range m.Options {
				o.Default = m.CustomID == customID && o.Value == chosenValue
				opts[i] = o
			}
			m.Options = opts
			return m
		}
		return c
	})
}

// walk returns a copy of cs with fn applied to every component inside
// action rows (and to top-level components that are not rows).
func walk(cs []discordgo.MessageComponent, fn func(discordgo.MessageComponent) discordgo.MessageComponent) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, 0, len(cs))
	for _, c := range cs {
		var row *discordgo.ActionsRow
		switch r := c.(type) {
		case discordgo.ActionsRow:
			row = &r
		case *discordgo.ActionsRow:
			row = r
		}
		if row == nil {
			out = append(out, fn(c))
			continue
		}
		inner := make([]discordgo.MessageComponent, 0, len(row.Components))
		for _, ic := range row.Components {
			inner = append(inner, fn(ic))
		}
		out = append(out, discordgo.ActionsRow{Components: inner, ID: row.ID})
	}
	return out
}

func asButton(c discordgo.MessageComponent) (discordgo.Button, bool) {
	switch b := c.(type) {
	case discordgo.Button:
		return b, true
	case *discordgo.Button:
		return *b, true
	}
	return discordgo.Button{}, false
}

func asSelect(c discordgo.MessageComponent) (discordgo.SelectMenu, bool) {
	switch m := c.(type) {
	case discordgo.SelectMenu:
		return m, true
	case *discordgo.SelectMenu:
		return *m, true
	}
	return discordgo.SelectMenu{}, false
}

// answered is the text of a prompt once answered: the question, then the
// answer.
func answered(question, label string) string {
	tail := "\n\nYour answer: " + oneLine(label)
	return truncate(question, maxContent-utf8.RuneCountInString(tail)) + tail
}

// promptTracker remembers, per channel, the last message whose buttons are
// still live, and which prompts have closed (answered, or replaced by a
// newer one), so that an old question cannot be answered by a late click.
type promptTracker struct {
	mu     sync.Mutex
	live   map[string]livePrompt // by channel
	closed *recentSet            // message ids
	// reopened are closed prompts whose click could not be saved: the
	// next click on them counts again.
	reopened map[string]bool
}

type livePrompt struct {
	id         string
	components []discordgo.MessageComponent
}

func newPromptTracker() *promptTracker {
	return &promptTracker{live: map[string]livePrompt{}, closed: newRecentSet(8192), reopened: map[string]bool{}}
}

// set records a new prompt in channel and returns the one it replaces, if
// any, whose buttons should now be disabled.
func (p *promptTracker) set(channel, id string, cs []discordgo.MessageComponent) (old livePrompt, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old, ok = p.live[channel]
	if p.closed.has(id) {
		// Clicked already, before its send returned.
		return old, false
	}
	p.live[channel] = livePrompt{id: id, components: cs}
	if ok {
		p.closed.add(old.id)
	}
	return old, ok
}

// take removes and returns the live prompt of channel.
func (p *promptTracker) take(channel string) (livePrompt, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old, ok := p.live[channel]
	if ok {
		delete(p.live, channel)
		p.closed.add(old.id)
	}
	return old, ok
}

// answer closes the prompt messageID in channel; it reports false when the
// prompt was closed already (a second click, or a click on an old prompt).
func (p *promptTracker) answer(channel, messageID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur, ok := p.live[channel]; ok && cur.id == messageID {
		delete(p.live, channel)
	}
	if p.reopened[messageID] {
		delete(p.reopened, messageID)
		return true
	}
	return p.closed.add(messageID)
}

// reopen lets the next click on a closed prompt count again.
func (p *promptTracker) reopen(messageID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reopened[messageID] = true
}

// splitText cuts s into pieces of at most max characters, at a paragraph,
// a line or a word where it can.
func splitText(s string, limit int) []string {
	var out []string
	for utf8.RuneCountInString(s) > limit {
		// The byte offset of the limit'th rune.
		cut := len(s)
		n := 0
		for i := range s {
			if n == limit {
				cut = i
				break
			}
			n++
		}
		head := s[:cut]
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				at = i
				break
			}
		}
		if at < 0 {
			out = append(out, head)
			s = s[cut:]
			continue
		}
		out = append(out, strings.TrimRight(head[:at], " \n"))
		s = strings.TrimLeft(s[at:], " \n")
	}
	if s != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// oneLine folds line breaks into spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
