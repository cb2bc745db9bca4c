package upgrade

// The plan of a batch with a delta map, said before it starts: which
// modules go through which deltas, and which are held for want of one
// ("12 modules: 1006→1007→1009; 4 modules: 1007→1009; 2 held: no delta
// from 1005").

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

var (
	// MsgPlan introduces the plan on the command line.
	MsgPlan        = msg("plan", "plan: %s", "计划:%s")
	msgPlanPath    = msg("plan.path", "%d modules: %s", "%d 个模块:%s")
	msgPlanPath1   = msg("plan.path1", "%d module: %s", "%d 个模块:%s")
	msgPlanHeld    = msg("plan.held", "%d held: no delta from %d", "%d 个暂缓:没有从 %d 起的差分包")
	msgPlanCurrent = msg("plan.current", "%d already on %d", "%d 个已是 %d")
	msgPlanList    = composed("plan.list", func(lang string, args []any) string {
		sep := "; "
		if lang == "zh" {
			sep = ";"
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = a.(string)
		}
		return strings.Join(parts, sep)
	})
)

// DeltaPlan is the plan of a batch over mods (only those in imeis, when
// given) in URL or local mode with a delta map; the zero Sentence for
// other batches or no module.
func (c Config) DeltaPlan(mods []*Module, imeis []string) Sentence {
	if c.Deltas == nil || c.Mode != ModeURL && c.Mode != ModeLocal {
		return Sentence{}
	}
	type group struct {
		held    bool
		current bool
		path    string // "1006→1007→1009", or the version where the chain breaks
		from    int
		n       int
	}
	groups := map[string]*group{}
	for _, m := range mods {
		if m.Info.IMEI == "" || len(imeis) > 0 && !slices.Contains(imeis, m.Info.IMEI) {
			continue
		}
		fw := m.Info.Firmware
		var g group
		switch steps, whole := c.Deltas.Chain(fw.Name, fw.Core, c.Target); {
		case c.Target > 0 && fw.Core == c.Target:
			g = group{current: true, from: fw.Core, path: "current " + strconv.Itoa(fw.Core)}
		case !whole || len(steps) == 0:
			at := fw.Core
			if len(steps) > 0 {
				at = steps[len(steps)-1].To
			}
			g = group{held: true, from: at, path: "held " + strconv.Itoa(at)}
		default:
			vs := []string{strconv.Itoa(fw.Core)}
			for _, e := range steps {
				vs = append(vs, strconv.Itoa(e.To))
			}
			g = group{from: fw.Core, path: strings.Join(vs, "→")}
		}
		if old, ok := groups[g.path]; ok {
			old.n++
		} else {
			g.n = 1
			groups[g.path] = &g
		}
	}
	if len(groups) == 0 {
		return Sentence{}
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	// The paths first, most modules first; then the current, then the held.
	rank := func(g *group) int {
		switch {
		case g.held:
			return 2
		case g.current:
			return 1
		}
		return 0
	}
	slices.SortFunc(list, func(a, b *group) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(b.n, a.n), cmp.Compare(a.from, b.from), strings.Compare(a.path, b.path))
	})
	parts := make([]any, len(list))
	for i, g := range list {
		switch {
		case g.held:
			parts[i] = msgPlanHeld.With(g.n, g.from)
		case g.current:
			parts[i] = msgPlanCurrent.With(g.n, g.from)
		case g.n == 1:
			parts[i] = msgPlanPath1.With(g.n, g.path)
		default:
			parts[i] = msgPlanPath.With(g.n, g.path)
		}
	}
	return msgPlanList.With(parts...)
}
