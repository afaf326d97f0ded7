// Package crisis detects crisis language in chat messages: whether text suggests the writer may be in crisis
// now: first-person, current risk of suicide, self-harm or overdose,
// including passive wishes to be dead, farewells and slang ("kms").
//
// The engine calls Detect on every message, in any state and before consent, and
// answers a match in the same turn. It is safe for concurrent use (it only
// reads tables compiled once), runs in time linear in the length of text
// (about 1 µs for "4", 10-40 µs for a sentence, 2 ms for 10 kB), and never
// logs, keeps or returns the text.
//
// How it decides. The text is normalised (lower case; apostrophes, curly
// or straight, dropped so that "I'm" and "im", "don't" and "dont" are one
// word; quotes, emoji and symbols made spaces; zero-width and other
// invisible characters removed; whitespace collapsed), and known safe
// idioms ("killing it", "dying to see you", "dead tired", "could kill for a
// coffee", "cut myself shaving", "suicide prevention training", ...) are
// blanked out. Then each rule of a small named table of patterns is tried. A match counts unless, in its clause (split at
// punctuation and at "and", "but", "so", "because", "though" ...):
//   - a negation governs it ("I'm not suicidal", "I don't want to kill
//     myself", "no thoughts of hurting myself", "suicidal thoughts: none");
//     passive-ideation rules ignore negation, so "I'm not suicidal but I
//     hope I don't wake up" still counts;
//   - its subject is someone else or it is a topic ("my friend is
//     suicidal", "a talk about suicidal thoughts", "she asked if I was
//     suicidal");
//   - it is told as the past ("years ago", "used to", "back when", "last
//     year", "before I got sober" ...) with nothing that brings it back to
//     now: "again", "still", "lately", "right now" in the same sentence
//     part, "now"/"today" in the same clause, or "feeling that way again",
//     "the thoughts are back" anywhere in the message.
//
// Limits. It reads words, not people. It misses risk said in other words
// ("I gave my things away", "I have a plan", "I want the pain to stop"),
// in other languages, in misspellings or look-alike letters; reported speech
// counts as the writer's ("my friend said I want to die"); and it flags some
// jokes and hyperbole ("this homework makes me want to kill myself lol").
// Where in doubt it errs towards flagging. The detector decides who is
// told, never what is true: every match goes to a human, who judges it, and
// no match proves that someone is safe. It is one line of defence; the
// resources command is always there for anyone, whatever this function says.
package crisis
