namespace Cavra.Gate.Configuration
{
    /// <summary>Values given explicitly (cmdlet parameters, CLI flags, API settings). Null means "not given":
    /// the environment variable, then the default, applies.</summary>
    public sealed class GateParameters
    {
        public BackendMode? Mode { get; set; }
        public string? RuntimePath { get; set; }
        public string? PolicyPath { get; set; }
        public string? RegistryPath { get; set; }
        public string? PackageDir { get; set; }
        public string? EndpointDeploymentPath { get; set; }
        public string? CiRunnerBundlesPath { get; set; }
        public string? ChannelManifestPath { get; set; }
        public string? UpdaterPolicyPath { get; set; }
        public string? PromotionEvidencePath { get; set; }
        public string? RollbackPlanPath { get; set; }
        public string? RollbackRehearsalPath { get; set; }
        public string? RollbackDrillHistoryPath { get; set; }
        public double? RollbackDrillMaxAgeDays { get; set; }
        public string? RollbackDrillSchedulePath { get; set; }
        public double? RollbackDrillDueSoonDays { get; set; }
        public double? TimeoutSeconds { get; set; }
        public double? ParityMaxAgeDays { get; set; }
        public bool? RequireParityReport { get; set; }
    }
}
