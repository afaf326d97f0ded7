// Package crisis detects crisis language in chat messages: whether the
// writer (or, for a worried peer, someone else) may be at risk of suicide,
// self-harm or overdose now, and how sure it is. It uses nothing else of
// package bot.
//
// The engine calls Detect on every message, in any state and before
// consent. Detect never logs, keeps or returns the text.
//
// How it decides (one file per concern):
//   - normalize.go, spelling.go: lower case, apostrophes dropped, symbols
//     and invisible characters removed; chat spellings and one-edit typos
//     of the key vocabulary corrected ("wamt", "myslef"), a dropped g on
//     any -ing word the patterns use ("endin"), "b" after a modal ("wanna
//     b"); filler words ("just", "really", "honestly", ...) dropped so that
//     one inserted word does not break a match.
//   - kinds.go: quoted words are set apart (a lyric or a title is nobody's
//     state; what a friend texted is evidence for a worried peer); relapse
//     and craving language (Disclosure); a writer asking how to help.
//   - rules.go: the high-confidence rule table (tier 1) and the safe
//     idioms blanked out before anything runs ("killing it at work").
//   - signals.go: the wider scorer. Signals (method, means, preparation,
//     plan, goodbye, finality, time, overdose plan, self-harm act, passive
//     wish, decision, place, goodbyes that put affairs in order) allow a few
//     words between their parts; two strong signals, a strong and a weak
//     one, or three weak ones are tier 1; one strong or two weak ones are
//     tier 2 (the safety check); one weak one is nothing. Ambiguous
//     evidence ("ive decided", "gave my couch to", "its not your fault") is
//     weak on purpose. "lol" takes a tier off, but never below the check
//     when a strong signal was seen; a message that looks forward to
//     something ("wish me luck") drops a check raised by weak signals only.
//   - context.go: every match is judged in its clause (split at
//     punctuation and at "and", "but", "so" ...): negated ("I'm not
//     suicidal"; a negation stops at "no more", "anymore", a following
//     "gonna" and a match that opens with its own subject other than "I";
//     passive wishes and times ignore it, as in "not suicidal but I hope I
//     don't wake up"), someone else's ("my sponsee ... he wants to end
//     it": a Peer result; "me" after "sent", "told" ... is an object), a
//     topic ("a talk about", "what does ... mean", but not "whats the
//     point"), or a past story ("there was a time", "my old self", "when I
//     first got sober", "years ago", "at 19", "i remember") unless brought
//     back to now ("again"); a past marker inside the match is what a wish
//     is about ("i wish the overdose last year had worked").
//   - prefilter.go: every pattern carries literal keys worked out from
//     it; one pass over the text finds which of all the keys occur (they
//     are indexed by their first two bytes), and a pattern none of whose
//     keys occur is skipped.
//   - anchored.go: a pattern that may run is tried only at the word
//     boundaries where one of the literal strings its matches start with
//     begins, anchored there: the matches of an unanchored regexp, without
//     its cost of trying every byte.
//
// Limits. It reads words, not people: it misses risk said in ways no
// pattern foresaw, in other languages or in heavy misspelling, and it
// flags some jokes and hyperbole. Where in doubt it leans towards tier 2,
// which asks rather than alarms. The detector decides who is told, never
// what is true: every flag goes to a human, and no match proves that
// someone is safe. The resources command is always there for anyone.
package crisis
