package config

import (
	"bytes"
	"maps"
	"reflect"
	"slices"

	"gopkg.in/yaml.v3"
)

// TopLevelKeys are the keys a config file may have at its top level, in
// alphabetical order; Config's yaml tags are the one list of them.
var TopLevelKeys = slices.Sorted(maps.Keys(fields(reflect.TypeFor[Config]())))

// IsTopLevelKey reports whether key is one of TopLevelKeys.
func IsTopLevelKey(key string) bool { return slices.Contains(TopLevelKeys, key) }

// FileKeys returns the top-level keys of a YAML mapping document, in file
// order; nil when data is not a mapping (or not YAML at all).
func FileKeys(data []byte) []string {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	n := doc.Content[0]
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}
