// Package device is everything that touches a module's port: discovery of
// Air780-family modules on USB hubs (sysfs or a fleet directory), the AT
// session that owns one port, and the Air780 AT commands (identity and the
// AT+UPGRADE family) with their parsers. It knows nothing of upgrades as a
// process: package upgrade builds on it.
package device
