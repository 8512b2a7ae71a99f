package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// apiProbe asks the API server whether it is ready, as the admin user.
type apiProbe struct {
	server string
	token  string
	client *http.Client
}

func newAPIProbe(server string, caPEM []byte, token string) *apiProbe {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &apiProbe{
		server: server,
		token:  token,
		client: &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		},
	}
}

func (a *apiProbe) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.server+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, nil
}

func (a *apiProbe) ready(ctx context.Context) error {
	_, err := a.get(ctx, "/readyz")
	return err
}

func (a *apiProbe) defaultServiceAccount(ctx context.Context) error {
	_, err := a.get(ctx, "/api/v1/namespaces/default/serviceaccounts/default")
	return err
}

func (a *apiProbe) version() (string, error) {
	body, err := a.get(context.Background(), "/version")
	if err != nil {
		return "", err
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

// writeKubeconfig writes a kubeconfig with the CA inlined and a bearer token,
// atomically so a reader never sees half a file.
func writeKubeconfig(path, server string, caPEM []byte, token, user string) error {
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kube-apiserver
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: %s@kube-apiserver
  context:
    cluster: kube-apiserver
    user: %s
    namespace: default
current-context: %s@kube-apiserver
`, server, base64.StdEncoding.EncodeToString(caPEM), user, token, user, user, user)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
