"""A local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
built from pinned Go modules and run as processes: see build.py and cluster.py."""
