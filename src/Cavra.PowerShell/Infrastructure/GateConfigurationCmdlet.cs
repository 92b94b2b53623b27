using System;
using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Time;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// The configuration parameters every gate and pilot cmdlet shares. They mirror upstream's CLI flags; an unset
    /// parameter falls back to its CAVRA_GO_* environment variable, then to the default (spec README §2.4).
    /// Paths are resolved through PowerShell so $PWD, PS drives and TestDrive: work.
    /// </summary>
    public abstract class GateConfigurationCmdlet : PSCmdlet
    {
        [Parameter] public BackendMode Mode { get; set; }
        [Parameter] public string RuntimePath { get; set; } = null!;
        [Parameter] public string PolicyPath { get; set; } = null!;
        [Parameter] public string RegistryPath { get; set; } = null!;
        [Parameter] public string PackageDir { get; set; } = null!;
        [Parameter] public string EndpointDeploymentPath { get; set; } = null!;
        [Parameter] public string CiRunnerBundlesPath { get; set; } = null!;
        [Parameter] public string ChannelManifestPath { get; set; } = null!;
        [Parameter] public string UpdaterPolicyPath { get; set; } = null!;
        [Parameter] public string PromotionEvidencePath { get; set; } = null!;
        [Parameter] public string RollbackPlanPath { get; set; } = null!;
        [Parameter] public string RollbackRehearsalPath { get; set; } = null!;
        [Parameter] public string RollbackDrillHistoryPath { get; set; } = null!;
        [Parameter] public double RollbackDrillMaxAgeDays { get; set; }
        [Parameter] public string RollbackDrillSchedulePath { get; set; } = null!;
        [Parameter] public double RollbackDrillDueSoonDays { get; set; }
        [Parameter] [ValidateRange(0.001, 3600)] public double TimeoutSeconds { get; set; }
        [Parameter] public double ParityMaxAgeDays { get; set; }
        [Parameter] public SwitchParameter RequireParityReport { get; set; }

        /// <summary>The clock every evaluation uses; tests of the cmdlets can set it through the module's session state.</summary>
        protected Clock Clock => ModuleClock.Current;

        /// <summary>Builds the effective configuration and narrates its sources with -Verbose.</summary>
        protected GateConfig ResolveConfig()
        {
            var p = new GateParameters();
            var bound = MyInvocation.BoundParameters;
            if (bound.ContainsKey(nameof(Mode))) p.Mode = Mode;
            p.RuntimePath = PathParameter(nameof(RuntimePath), RuntimePath);
            p.PolicyPath = PathParameter(nameof(PolicyPath), PolicyPath);
            p.RegistryPath = PathParameter(nameof(RegistryPath), RegistryPath);
            p.PackageDir = PathParameter(nameof(PackageDir), PackageDir);
            p.EndpointDeploymentPath = PathParameter(nameof(EndpointDeploymentPath), EndpointDeploymentPath);
            p.CiRunnerBundlesPath = PathParameter(nameof(CiRunnerBundlesPath), CiRunnerBundlesPath);
            p.ChannelManifestPath = PathParameter(nameof(ChannelManifestPath), ChannelManifestPath);
            p.UpdaterPolicyPath = PathParameter(nameof(UpdaterPolicyPath), UpdaterPolicyPath);
            p.PromotionEvidencePath = PathParameter(nameof(PromotionEvidencePath), PromotionEvidencePath);
            p.RollbackPlanPath = PathParameter(nameof(RollbackPlanPath), RollbackPlanPath);
            p.RollbackRehearsalPath = PathParameter(nameof(RollbackRehearsalPath), RollbackRehearsalPath);
            p.RollbackDrillHistoryPath = PathParameter(nameof(RollbackDrillHistoryPath), RollbackDrillHistoryPath);
            p.RollbackDrillSchedulePath = PathParameter(nameof(RollbackDrillSchedulePath), RollbackDrillSchedulePath);
            if (bound.ContainsKey(nameof(RollbackDrillMaxAgeDays))) p.RollbackDrillMaxAgeDays = RollbackDrillMaxAgeDays;
            if (bound.ContainsKey(nameof(RollbackDrillDueSoonDays))) p.RollbackDrillDueSoonDays = RollbackDrillDueSoonDays;
            if (bound.ContainsKey(nameof(TimeoutSeconds))) p.TimeoutSeconds = TimeoutSeconds;
            if (bound.ContainsKey(nameof(ParityMaxAgeDays))) p.ParityMaxAgeDays = ParityMaxAgeDays;
            if (bound.ContainsKey(nameof(RequireParityReport))) p.RequireParityReport = RequireParityReport.IsPresent;

            var config = GateConfig.Resolve(p, Environment.GetEnvironmentVariable);
            foreach (var s in config.Settings)
                if (s.Source != ConfigSource.Default) WriteVerbose($"{s.Name} = '{s.Value}' (from {DescribeSource(s)})");
            foreach (var s in config.Notes) WriteVerbose(s.Note);
            return config;
        }

        /// <summary>A gate context whose file reads are narrated with -Verbose and whose relative paths resolve against $PWD.</summary>
        protected GateContext CreateContext(GateConfig config)
        {
            var files = new InputFiles(SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            files.FileRead += path => WriteVerbose($"Read {path}");
            return new GateContext(config, files, Clock);
        }

        private string? PathParameter(string name, string value)
        {
            if (!MyInvocation.BoundParameters.ContainsKey(name)) return null;
            if (string.IsNullOrEmpty(value)) return ""; // an explicit empty value means "not configured", overriding the environment
            return SessionState.Path.GetUnresolvedProviderPathFromPSPath(value);
        }

        private static string DescribeSource(ConfigSetting s) =>
            s.Source == ConfigSource.Environment ? "environment " + s.EnvironmentVariable : "parameter";
    }

    /// <summary>The clock the module's cmdlets use. Defaults to the system clock; a test may pin it.</summary>
    public static class ModuleClock
    {
        public static Clock Current { get; set; } = Clock.System;
    }
}
