package platform

import (
	"slices"
	"strings"
)

// Description is what the simulated fleet writes to platform.json: where the
// platform listens and what it holds. The keys are fake test keys, given in full.
type Description struct {
	BaseURL       string               `json:"base_url"`
	UpgradeURL    string               `json:"upgrade_url"`
	Projects      []ProjectDescription `json:"projects"`
	Files         map[string]string    `json:"files"` // name → URL
	BanAfter      int                  `json:"ban_after"`
	GenerateDelay string               `json:"generate_delay"`
	ErrorStatus   int                  `json:"error_status"`
}

// ProjectDescription describes one project in a Description.
type ProjectDescription struct {
	Key      string                `json:"key"`
	Name     string                `json:"name"`
	Account  string                `json:"account"`
	Family   string                `json:"family,omitempty"`
	Default  bool                  `json:"default,omitempty"`
	Firmware []FirmwareDescription `json:"firmware"`
}

// FirmwareDescription describes one firmware in a ProjectDescription.
type FirmwareDescription struct {
	Name           string   `json:"name"`
	Versions       []int    `json:"versions"`
	Latest         int      `json:"latest"`
	Allow          bool     `json:"allow"`
	AllDevices     bool     `json:"all_devices"`
	IMEIs          []string `json:"imeis,omitempty"`
	NotAllowedFrom []int    `json:"not_allowed_from,omitempty"`
	DeltaSize      int      `json:"delta_size"`
	Pregenerated   bool     `json:"pregenerated,omitempty"`
}

// Describe returns a JSON-marshalable description of the platform: projects
// in the order they were added, firmware by name.
func (p *Platform) Describe() Description {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := Description{
		BaseURL:       p.baseURL,
		Projects:      []ProjectDescription{},
		Files:         map[string]string{},
		BanAfter:      p.cfg.BanAfter,
		GenerateDelay: p.cfg.GenerateDelay.String(),
		ErrorStatus:   p.cfg.ErrorStatus,
	}
	if p.baseURL != "" {
		d.UpgradeURL = p.baseURL + UpgradePath
	}
	for _, k := range p.order {
		d.Projects = append(d.Projects, p.describeProjectLocked(p.projects[k]))
	}
	for name := range p.files {
		d.Files[name] = p.baseURL + downloadPath(name)
	}
	return d
}

// describeProjectLocked describes pr. The caller holds p.mu.
func (p *Platform) describeProjectLocked(pr *project) ProjectDescription {
	d := ProjectDescription{Key: pr.Key, Name: pr.Name, Account: pr.Account, Family: pr.Family, Default: pr.Default,
		Firmware: []FirmwareDescription{}}
	for _, fw := range pr.firmware {
		size := fw.DeltaSize
		if size <= 0 {
			size = p.cfg.DeltaSize
		}
		d.Firmware = append(d.Firmware, FirmwareDescription{
			Name: fw.Name, Versions: slices.Clone(fw.Versions), Latest: fw.latest(),
			Allow: fw.Allow, AllDevices: fw.AllDevices, IMEIs: slices.Clone(fw.IMEIs),
			NotAllowedFrom: slices.Clone(fw.NotAllowedFrom), DeltaSize: size, Pregenerated: fw.Pregenerated,
		})
	}
	slices.SortFunc(d.Firmware, func(a, b FirmwareDescription) int { return strings.Compare(a.Name, b.Name) })
	return d
}
