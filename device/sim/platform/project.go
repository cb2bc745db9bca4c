package platform

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Chip families, as used by Project.Family and FamilyOf.
const (
	FamilyEC618 = "EC618" // Air780E and kin: default project Air7XXE标准模块
	FamilyEC718 = "EC718" // Air780EP and kin (EC716/EC718): default project Air7XXF标准模块
)

// families maps the model part of a firmware name (AirM2M_<model>_...) to its
// chip family.
var families = map[string]string{
	"780E":   FamilyEC618,
	"780EG":  FamilyEC618,
	"780EX":  FamilyEC618,
	"700E":   FamilyEC618,
	"600E":   FamilyEC618,
	"780EP":  FamilyEC718,
	"780EPS": FamilyEC718,
	"780EPA": FamilyEC718,
	"780EPT": FamilyEC718,
	"780EQ":  FamilyEC718,
	"780ET":  FamilyEC718,
	"700ECQ": FamilyEC718,
	"700EAQ": FamilyEC718,
	"201":    FamilyEC718,
}

// FamilyOf returns the chip family of a firmware name such as
// AirM2M_780EP_LTE_AT (FamilyEC718), or "" for a model it does not know.
func FamilyOf(firmwareName string) string {
	parts := strings.Split(firmwareName, "_")
	if len(parts) < 2 {
		return ""
	}
	return families[strings.ToUpper(parts[1])]
}

// DefaultProjectName returns the name of an account's default project for a
// chip family: the project a module without a key lands in.
func DefaultProjectName(family string) string {
	switch family {
	case FamilyEC618:
		return "Air7XXE标准模块"
	case FamilyEC718, "EC716":
		return "Air7XXF标准模块"
	}
	return ""
}

// Project is a project of an account on the platform.
type Project struct {
	Key     string // the project key ("ProductKey") a module sends
	Name    string // e.g. Air7XXF标准模块
	Account string // the account (a phone number on the real platform)
	// Family and Default mark the account's default project for a chip
	// family (FamilyEC618, FamilyEC718). A project named
	// DefaultProjectName(family) is the default without them.
	Family  string
	Default bool
}

// defaultFor reports whether pr is the account's default project for
// family: it has the default name, or it is marked Default for family.
func (pr Project) defaultFor(family string) bool {
	if family == "" {
		return false
	}
	return pr.Name == DefaultProjectName(family) || pr.Default && canonFamily(pr.Family) == family
}

// canonFamily folds EC716 into EC718: both use the "F" default project.
func canonFamily(f string) string {
	if strings.EqualFold(f, "EC716") || strings.EqualFold(f, FamilyEC718) {
		return FamilyEC718
	}
	return strings.ToUpper(f)
}

// Firmware is a firmware of a project with its uploaded versions and its
// upgrade configuration.
type Firmware struct {
	Name       string // e.g. AirM2M_780EP_LTE_AT; must match the module's exactly
	Versions   []int  // uploaded core versions; the highest is the target
	Allow      bool   // "是否升级": upgrades allowed at all
	AllDevices bool   // "升级全部设备"; otherwise only IMEIs
	IMEIs      []string
	// NotAllowedFrom lists core versions that may not jump to the target
	// (code 21), e.g. a base across a baseline.
	NotAllowedFrom []int
	// DeltaSize is the payload size of this firmware's deltas; zero means
	// Config.DeltaSize. SetDeltaSize overrides it for one pair.
	DeltaSize int
	// Pregenerated makes every delta of this firmware ready at once (no 43).
	Pregenerated bool
}

// latest returns the highest uploaded version, or 0.
func (fw *Firmware) latest() int {
	if len(fw.Versions) == 0 {
		return 0
	}
	return slices.Max(fw.Versions)
}

// offers reports whether the upgrade configuration lets imei upgrade.
func (fw *Firmware) offers(imei string) bool {
	return fw.Allow && (fw.AllDevices || slices.Contains(fw.IMEIs, imei))
}

// clone returns a copy that shares no slices with fw.
func (fw Firmware) clone() *Firmware {
	fw.Versions = slices.Clone(fw.Versions)
	fw.IMEIs = slices.Clone(fw.IMEIs)
	fw.NotAllowedFrom = slices.Clone(fw.NotAllowedFrom)
	return &fw
}

// project is a Project with its firmware.
type project struct {
	Project
	firmware map[string]*Firmware // by name
}

// AddProject adds a project, or updates the one with the same key (its
// firmware is kept). The key must not be empty: a module with no key is
// served by its account's default project.
func (p *Platform) AddProject(pr Project) error {
	if pr.Key == "" {
		return errors.New("platform: a project needs a key: modules without a key use the account's default project")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.projects[pr.Key]; ok {
		old.Project = pr
		return nil
	}
	p.projects[pr.Key] = &project{Project: pr, firmware: map[string]*Firmware{}}
	p.order = append(p.order, pr.Key)
	return nil
}

// AddFirmware adds a firmware to the project with projectKey, replacing any
// firmware of the same name there (this is how a scenario uploads a new
// version or changes the upgrade configuration).
func (p *Platform) AddFirmware(projectKey string, fw Firmware) error {
	if fw.Name == "" {
		return errors.New("platform: a firmware needs a name such as AirM2M_780EP_LTE_AT")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.projects[projectKey]
	if !ok {
		return fmt.Errorf("platform: cannot add firmware %s: no project has key %q (add the project first)", fw.Name, projectKey)
	}
	pr.firmware[fw.Name] = fw.clone()
	return nil
}

// SellIMEI records that the module imei was sold to account: a module
// without a key uses that account's default project, and a key of another
// account is refused with code 17.
func (p *Platform) SellIMEI(imei, account string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sold[imei] = account
}

// BindIMEI puts the module imei into the project with projectKey, as Luat
// staff do on request; without it, the first project that asks for an IMEI
// gets it. An empty projectKey unbinds the IMEI.
func (p *Platform) BindIMEI(imei, projectKey string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if projectKey == "" {
		delete(p.bound, imei)
		return
	}
	p.bound[imei] = projectKey
}

// Bound returns the key of the project imei is bound to, or "".
func (p *Platform) Bound(imei string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bound[imei]
}

// resolveLocked finds the project that serves a request and binds the IMEI
// to it. The rule for the two "wrong project" codes:
//
//   - an empty key means the default project, for the firmware's chip
//     family, of the IMEI's account (the account it was sold to, else the
//     account of the project it is bound to); no such account or project → 25;
//   - a key that matches no project → 25;
//   - a key of a project in another account than the one the IMEI was sold
//     to → 17 (device and key are not in one account);
//   - an IMEI already bound to another project → 25 (the module is not in
//     the key's project; only Luat staff can move it, see BindIMEI);
//   - otherwise an unbound IMEI is bound to this project.
//
// The caller holds p.mu.
func (p *Platform) resolveLocked(imei, key, firmwareName string) (*project, Code) {
	var pr *project
	if key == "" {
		pr = p.defaultProjectLocked(imei, FamilyOf(firmwareName))
		if pr == nil {
			return nil, CodeNoProject
		}
	} else {
		var ok bool
		if pr, ok = p.projects[key]; !ok {
			return nil, CodeNoProject
		}
		if acct, sold := p.sold[imei]; sold && acct != pr.Account {
			return nil, CodeNoPermission
		}
	}
	switch b, ok := p.bound[imei]; {
	case !ok:
		p.bound[imei] = pr.Key
	case b != pr.Key:
		return nil, CodeNoProject
	}
	return pr, CodeOK
}

// defaultProjectLocked returns the default project for family in the
// account of imei, or nil. The caller holds p.mu.
func (p *Platform) defaultProjectLocked(imei, family string) *project {
	acct, ok := p.sold[imei]
	if !ok {
		b, bound := p.projects[p.bound[imei]]
		if !bound {
			return nil
		}
		acct = b.Account
	}
	for _, k := range p.order {
		if pr := p.projects[k]; pr.Account == acct && pr.defaultFor(family) {
			return pr
		}
	}
	return nil
}
