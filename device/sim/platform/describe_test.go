package platform

import (
	"encoding/json"
	"testing"
)

func TestDescribe(t *testing.T) {
	p := fixture(t, Config{})
	u := p.ServeFile("a.bin", []byte("a"))
	b, err := json.Marshal(p.Describe())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		BaseURL    string `json:"base_url"`
		UpgradeURL string `json:"upgrade_url"`
		Projects   []struct {
			Key, Name string
			Firmware  []struct {
				Name   string
				Latest int
			}
		} `json:"projects"`
		Files map[string]string `json:"files"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.BaseURL != p.BaseURL() || got.UpgradeURL != p.UpgradeURL() {
		t.Errorf("URLs %q %q", got.BaseURL, got.UpgradeURL)
	}
	if len(got.Projects) != 4 || got.Projects[0].Key != keyF || got.Projects[0].Name != "Air7XXF标准模块" {
		t.Fatalf("projects %+v", got.Projects)
	}
	if fw := got.Projects[0].Firmware; len(fw) != 1 || fw[0].Name != fwEP || fw[0].Latest != 1007 {
		t.Errorf("firmware %+v", fw)
	}
	if got.Files["a.bin"] != u {
		t.Errorf("files %v, want a.bin → %s", got.Files, u)
	}
}
