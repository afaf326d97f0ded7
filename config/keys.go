package config

import (
	"bytes"
	"slices"

	"gopkg.in/yaml.v3"
)

// TopLevelKeys are the keys a config file may have at its top level.
var TopLevelKeys = []string{
	"data_dir", "flows_dir", "timezone", "log_level", "shutdown_timeout", "log", "community", "crisis",
	"redis", "http", "slack", "discord",
}

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
