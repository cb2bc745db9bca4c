//go:build tools

package main

import (
	_ "charm.land/bubbles/v2/table"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/creack/pty"
	_ "github.com/mattn/go-sqlite3"
	_ "go.bug.st/serial"
	_ "golang.org/x/term"
)
