// Package suggest finds the likely intended word behind a typo, for "did
// you mean" hints in the errors of flow and config files.
package suggest

import "strings"

// Closest returns the candidate closest to s by edit distance, ignoring
// case, when it is close enough to be a plausible typo (two edits, one for
// names of three letters or fewer); "" otherwise. Ties go to the candidate
// that sorts first, so the hint is the same on every run.
func Closest(s string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		if strings.EqualFold(c, s) {
			return c
		}
		d := Distance(strings.ToLower(s), strings.ToLower(c))
		limit := 2
		if len(c) <= 3 {
			limit = 1
		}
		if d <= limit && (best == "" || d < bestD || (d == bestD && c < best)) {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, by runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
