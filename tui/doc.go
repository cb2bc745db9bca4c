// Package tui is the airfleet console: a Bubble Tea v2 program that shows a
// batch of Air780 modules as one row per USB slot, lets the operator start,
// retry and cancel upgrades, and explains failures. It reaches the upgrade
// engine only through the Backend interface and receives the engine's
// transitions as messages from one forwarder goroutine.
package tui
