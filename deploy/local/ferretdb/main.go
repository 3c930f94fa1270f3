// Command ferretdb runs an embedded FerretDB v1 (MongoDB wire protocol) with the
// SQLite backend, for local development and tests of this project.
//
// It is built by deploy/local/infra.py into the git-ignored cache:
//
//	go build -trimpath -o <cache>/ferretdb-v1.24.2/ferretdb .
//
// Usage:
//
//	ferretdb -listen-addr 127.0.0.1:27017 -state-dir /path/to/dir [-log-level info] [-synchronous normal]
//
// SQLite runs in WAL mode with synchronous=NORMAL by default: a commit survives a crash of this process
// but the last ones may be lost if the machine itself loses power, which is what MongoDB's default write
// concern promises too (journal flushed every 100 ms). FULL fsyncs every commit, which made each write
// wait on the disk (p99 of an enrolment 96 ms instead of 36 ms in bench/intake_bench.py).
//
// It logs to stderr and exits 0 on SIGTERM or SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	stateDir := flag.String("state-dir", "", "directory for the SQLite databases (created if missing)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn, error")
	synchronous := flag.String("synchronous", "normal", "SQLite synchronous mode: normal or full")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	if *synchronous != "normal" && *synchronous != "full" {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -synchronous %q: normal or full\n", *synchronous)
		os.Exit(2)
	}

	if *stateDir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: -state-dir is required")
		os.Exit(2)
	}
	dir, err := filepath.Abs(*stateDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -state-dir: %v\n", err)
		os.Exit(2)
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot create state dir: %v\n", err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(" + *synchronous + ")",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Warn("ferretdb starting", "listen_addr", *listenAddr, "state_dir", dir)
	if err = f.Run(ctx); err != nil {
		logger.Error("ferretdb stopped with error", "error", err)
		os.Exit(1)
	}
	logger.Warn("ferretdb stopped")
}
