// Command harness runs a real Kubernetes control plane on loopback for
// Pequod's tests: an embedded etcd, kube-apiserver and kube-controller-manager
// (garbage collection, namespace deletion, service accounts), all built from
// the official k8s.io/kubernetes modules pinned in go.mod.
//
// It writes an admin kubeconfig (bearer token, CA), prints one line starting
// with "ready:" once the API answers and the controller manager works, and
// stops everything on SIGTERM, SIGINT or, with --exit-on-stdin-eof, when its
// parent goes away.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		os.Exit(1)
	}
}

type options struct {
	kubeconfig       string
	dataDir          string
	binDir           string
	port             int
	controllerMgr    bool
	exitOnStdinEOF   bool
	etcdNoFsync      bool
	readyTimeout     time.Duration
	shutdownDeadline time.Duration
}

func parseFlags() (options, error) {
	var o options
	self, err := os.Executable()
	if err != nil {
		return o, err
	}
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the admin kubeconfig, removed on exit (default DATA_DIR/kubeconfig)")
	flag.StringVar(&o.dataDir, "data-dir", "", "state directory: etcd data, certificates, logs (default: a temporary directory removed on exit)")
	flag.StringVar(&o.binDir, "bin-dir", filepath.Dir(self), "directory holding kube-apiserver and kube-controller-manager")
	flag.IntVar(&o.port, "port", 0, "kube-apiserver secure port on 127.0.0.1 (0 picks a free one)")
	flag.BoolVar(&o.controllerMgr, "controller-manager", true, "also run kube-controller-manager")
	flag.BoolVar(&o.exitOnStdinEOF, "exit-on-stdin-eof", false, "shut down when standard input closes (the parent process died)")
	flag.BoolVar(&o.etcdNoFsync, "etcd-unsafe-no-fsync", false, "run etcd without fsync (faster, loses data on a machine crash)")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", 3*time.Minute, "how long to wait for the control plane to become ready")
	flag.DurationVar(&o.shutdownDeadline, "shutdown-deadline", 15*time.Second, "how long each component may take to stop before it is killed")
	flag.Parse()
	if flag.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	return o, nil
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	started := time.Now()

	ownDataDir := o.dataDir == ""
	if ownDataDir {
		if o.dataDir, err = os.MkdirTemp("", "pequod-kube-apiserver-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.dataDir)
	} else if o.dataDir, err = filepath.Abs(o.dataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return err
	}
	if o.kubeconfig == "" {
		o.kubeconfig = filepath.Join(o.dataDir, "kubeconfig")
	}

	// A write to a closed pipe must be an error, not a fatal signal that
	// skips the cleanup below.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.exitOnStdinEOF {
		ctx = cancelOnStdinEOF(ctx)
	}

	pki, err := generatePKI(o.dataDir)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}

	etcd, err := startEtcd(filepath.Join(o.dataDir, "etcd"), filepath.Join(o.dataDir, "etcd.log"), o.etcdNoFsync)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer etcd.stop()

	port := o.port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", port)

	var procs []*component
	defer func() {
		// Stop in reverse start order: controllers before the API they use.
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop(o.shutdownDeadline)
		}
	}()

	apiserver, err := startComponent(o.binDir, o.dataDir, "kube-apiserver", apiserverArgs(pki, etcd.clientURL, port))
	if err != nil {
		return err
	}
	procs = append(procs, apiserver)

	if err := writeKubeconfig(o.kubeconfig, server, pki.caPEM, pki.adminToken, "admin"); err != nil {
		return err
	}
	// The credentials die with this control plane; don't leave them behind.
	defer os.Remove(o.kubeconfig)
	api := newAPIProbe(server, pki.caPEM, pki.adminToken)
	readyCtx, cancelReady := context.WithTimeout(ctx, o.readyTimeout)
	defer cancelReady()
	if err := waitFor(readyCtx, apiserver, "kube-apiserver /readyz", api.ready); err != nil {
		return err
	}

	if o.controllerMgr {
		kcmKubeconfig := filepath.Join(o.dataDir, "kube-controller-manager.kubeconfig")
		if err := writeKubeconfig(kcmKubeconfig, server, pki.caPEM, pki.controllerToken, "kube-controller-manager"); err != nil {
			return err
		}
		kcm, err := startComponent(o.binDir, o.dataDir, "kube-controller-manager", controllerManagerArgs(pki, kcmKubeconfig))
		if err != nil {
			return err
		}
		procs = append(procs, kcm)
		// The service-account controller creating "default" in "default"
		// shows the controller manager is connected and running controllers.
		if err := waitFor(readyCtx, kcm, "kube-controller-manager (default ServiceAccount)", api.defaultServiceAccount); err != nil {
			return err
		}
	}

	version, err := api.version()
	if err != nil {
		return err
	}
	fmt.Printf("ready: kube-apiserver %s at %s, kubeconfig %s, data %s (started in %.1fs)\n",
		version, server, o.kubeconfig, o.dataDir, time.Since(started).Seconds())

	select {
	case <-ctx.Done():
		// Standard error: when the parent died, standard output is a broken
		// pipe, and a write to it would kill the harness before its deferred
		// cleanup removes the data directory.
		fmt.Fprintln(os.Stderr, "stopping")
		return nil
	case c := <-firstExit(procs):
		return fmt.Errorf("%s exited unexpectedly: %v\n%s", c.name, c.err(), c.logTail())
	}
}

// cancelOnStdinEOF ties the harness's life to its parent: when the parent
// dies, the pipe it holds closes and standard input reaches EOF.
func cancelOnStdinEOF(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx
}

// waitFor polls check until it succeeds, the component dies or ctx ends.
func waitFor(ctx context.Context, c *component, what string, check func(context.Context) error) error {
	var last error
	for {
		if last = check(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("timed out waiting for %s: %v\n%s", what, last, c.logTail())
			}
			return ctx.Err()
		case <-c.exited:
			return fmt.Errorf("%s exited while waiting for %s: %v\n%s", c.name, what, c.err(), c.logTail())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
