package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// component is a control-plane binary running as a child process, its
// output going to DATA_DIR/<name>.log.
type component struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	mu      sync.Mutex
	waitErr error
}

func startComponent(binDir, dataDir, name string, args []string) (*component, error) {
	bin := filepath.Join(binDir, name)
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s not found in %s (build it with test/kube-apiserver/build): %w", name, binDir, err)
	}
	logPath := filepath.Join(dataDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// The child dies with the harness even when the harness is SIGKILLed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &component{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logFile.Close()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		close(c.exited)
	}()
	return c, nil
}

func (c *component) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waitErr
}

// stop sends SIGTERM and kills the process if it outlives the deadline.
func (c *component) stop(deadline time.Duration) {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(deadline):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// logTail returns the last lines of the component's log for error reports.
func (c *component) logTail() string {
	data, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return fmt.Sprintf("--- last lines of %s ---\n%s", c.logPath, strings.Join(lines, "\n"))
}

// firstExit reports the first component to exit.
func firstExit(procs []*component) <-chan *component {
	out := make(chan *component, len(procs))
	for _, c := range procs {
		go func() {
			<-c.exited
			out <- c
		}()
	}
	return out
}

func apiserverArgs(p *pki, etcdURL string, port int) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler refuses loopback addresses; nothing in
		// the tests reaches the API through the kubernetes Service anyway.
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + p.path("serving.crt"),
		"--tls-private-key-file=" + p.path("serving.key"),
		"--client-ca-file=" + p.path("ca.crt"),
		"--token-auth-file=" + p.path("tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.path("sa.pub"),
		"--service-account-signing-key-file=" + p.path("sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=1",
	}
}

func controllerManagerArgs(p *pki, kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
		"--service-account-private-key-file=" + p.path("sa.key"),
		"--root-ca-file=" + p.path("ca.crt"),
		"--profiling=false",
		"--v=1",
	}
}
