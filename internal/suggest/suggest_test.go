package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"scale", "choice", "yesno", "number", "text", "id"}
	tests := []struct{ name, in, want string }{
		{"one typo", "scael", "scale"},
		{"case only", "CHOICE", "choice"},
		{"two edits", "nmbr", "number"},
		{"too far", "banana", ""},
		{"short names allow one edit", "ix", "id"},
		{"short names refuse two", "xy", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Closest(tt.in, keys); got != tt.want {
				t.Errorf("Closest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
