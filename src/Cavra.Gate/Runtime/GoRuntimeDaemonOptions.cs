using System;
using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Runtime
{
    /// <summary>How to run a daemon: the same runtime, policy and registry the one-shot transport would pass.</summary>
    public sealed class GoRuntimeDaemonOptions
    {
        /// <summary>Full paths; "" for "not configured" (the runtime's built-in policy / no registry).</summary>
        public string RuntimePath { get; set; } = "";
        public string PolicyPath { get; set; } = "";
        public string RegistryPath { get; set; } = "";
        public string WorkingDirectory { get; set; } = "";
        /// <summary>How long a start may take until the daemon answers the readiness probe.</summary>
        public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>Restart a daemon that exited, lost its socket or whose inputs changed, when next needed.</summary>
        public bool AutoRestart { get; set; } = true;
        /// <summary>At most this many restarts after failures within <see cref="RestartWindow"/>; after that requests fail fast.</summary>
        public int MaxRestarts { get; set; } = 3;
        public TimeSpan RestartWindow { get; set; } = TimeSpan.FromMinutes(1);
        /// <summary>Extra environment for the daemon process.</summary>
        public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The runtime, policy and registry of <paramref name="config"/>, resolved as the one-shot client resolves them.</summary>
        public static GoRuntimeDaemonOptions From(GateConfig config, InputFiles files) => new GoRuntimeDaemonOptions
        {
            RuntimePath = config.RuntimePath.Length > 0 ? files.Resolve(config.RuntimePath) : "",
            PolicyPath = config.PolicyPath.Length > 0 ? files.Resolve(config.PolicyPath) : "",
            RegistryPath = config.RegistryPath.Length > 0 ? files.Resolve(config.RegistryPath) : "",
            WorkingDirectory = files.BaseDirectory,
        };
    }
}
