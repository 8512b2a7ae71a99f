//go:build tools

// Package tools pins the Kubernetes commands that build.sh compiles, so that
// go.mod and go.sum hold every module they need.
package tools

import (
	_ "k8s.io/kubectl/pkg/cmd"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)
