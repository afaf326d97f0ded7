package crisis

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

func normalizeCrisisText(s string) string {
	buf := make([]byte, 0, len(s)+8)
	space := func() {
		if n := len(buf); n > 0 && buf[n-1] != ' ' {
			buf = append(buf, ' ')
		}
	}
	punct := func(c byte) {
		if n := len(buf); n > 0 && buf[n-1] == ' ' {
			buf = buf[:n-1]
		}
		if len(buf) > 0 {
			buf = append(buf, c, ' ')
		}
	}
	prevWord := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		word := false
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == 'ʼ' || r == '`' || r == '´' || r == '′' || r == '‛' || r == '＇':
			// "I'm" -> "im", "don't" -> "dont": one spelling whether or not
			// the apostrophe was typed.
			continue
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			// zero-width spaces and joiners, bidi controls, soft hyphens,
			// variation selectors, combining marks
			continue
		case r == '…':
			punct('.')
		case r < utf8.RuneSelf && strings.IndexByte(".!?;:,", byte(r)) >= 0:
			punct(byte(r))
		case r == '-' || r == '‐' || r == '‑' || r == '–' || r == '—' || r == '―' || r == '−':
			next, _ := utf8.DecodeRuneInString(s[i:])
			if prevWord && (r == '-' || r == '‐' || r == '‑') && (unicode.IsLetter(next) || unicode.IsDigit(next)) {
				space() // "self-harm" -> "self harm"
			} else {
				punct(',')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			word = true
		default:
			space()
		}
		prevWord = word
	}
	if n := len(buf); n > 0 && buf[n-1] == ' ' {
		buf = buf[:n-1]
	}
	out := string(buf)
	// "no one" is a subject, not a negation; "my self" is "myself".
	if strings.Contains(out, "no one") || strings.Contains(out, "my self") {
		out = crisisJoinRe.ReplaceAllStringFunc(out, func(m string) string {
			if m == "no one" {
				return "nobody"
			}
			return "myself"
		})
	}
	return out
}

var crisisJoinRe = regexp.MustCompile(`\b(?:no one|my self)\b`)
