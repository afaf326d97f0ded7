package config

import (
	"fmt"
	"strings"
	"time"
)

// check returns every problem with the values of c.
func (c *Config) check() []*Error {
	var errs []*Error
	if c.DataDir == "" {
		errs = append(errs, c.errAt("data_dir", "must not be empty"))
	}
	switch {
	case c.Timezone == "":
		errs = append(errs, c.errAt("timezone", "must not be empty; use an IANA name such as \"UTC\" or \"Europe/London\""))
	case c.Timezone == "Local":
		// "Local" is whatever the server happens to be set to, which is
		// rarely what the community lives by.
		errs = append(errs, c.errAt("timezone", "\"Local\" is not an IANA time zone name; use one such as \"Europe/London\""))
	default:
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			errs = append(errs, c.errAt("timezone", "unknown time zone %q; use an IANA name such as \"Europe/London\" or \"America/New_York\"", c.Timezone))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, c.errAt("log_level", "%q is not one of debug, info, warn, error", c.LogLevel))
	}
	if strings.TrimSpace(c.Community.Name) == "" {
		errs = append(errs, c.errAt("community.name", "must not be empty"))
	}
	if c.Community.Retention < 1 {
		errs = append(errs, c.errAt("community.retention_days", "must be at least 1, got %d", c.Community.Retention))
	}
	// An empty list is fine (the caller falls back to the defaults); an
	// empty line in it would show as a blank bullet in a crisis reply.
	for i, r := range c.Crisis.Resources {
		if strings.TrimSpace(r) == "" {
			errs = append(errs, c.errAt(fmt.Sprintf("crisis.resources[%d]", i), "must not be empty"))
		}
	}
	return errs
}
