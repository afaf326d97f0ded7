package crisis

import "testing"

func TestCorrectSpelling(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"transposed letters", "i wamt to kill mysefl", "i want to kill myself"},
		{"dropped letter", "thinkin about suicde", "thinking about suicide"},
		{"extra letter", "im so suiciddal", "im so suicidal"},
		{"changed letter", "goodbye forevar", "goodbye forever"},
		{"slang", "im boutta end it", "im about to end it"},
		{"spaced letters", "gonna k m s tonight", "gonna kms tonight"},
		{"dye as die", "i want to dye", "i want to die"},
		{"dye my hair stays", "i want to dye my hair", "i want to dye my hair"},
		{"short words untouched", "i want to cut my hair", "i want to cut my hair"},
		{"common neighbour untouched", "billing and willing", "billing and willing"},
		{"waiting stays", "no more waiting", "no more waiting"},
		{"punctuation kept", "myslef, tonite.", "myself, tonight."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := correctSpelling(tt.in); got != tt.want {
				t.Errorf("correctSpelling(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
