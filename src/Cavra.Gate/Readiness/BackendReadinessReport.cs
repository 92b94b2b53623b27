using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_backend_readiness_report</c> (<c>cavra.go-backend-pilot.readiness.v1</c>, docs/design/readiness.md §2): is the Go runtime
    /// pilot locally ready? Configuration and the kind of each path: a regular, executable runtime and regular policy and
    /// registry files (upstream checks existence only). Upstream's <c>python_fallback</c> check is
    /// <c>dotnet_fallback</c> here (docs/design/README.md §3.2).
    /// </summary>
    public sealed class BackendReadinessReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.readiness.v1";

        private static readonly string[] Notes =
        {
            "Keep CAVRA_GO_BACKEND_MODE disabled unless current Go parity evidence exists for the policy and runtime in use.",
            "Start with shadow mode; enforce mode still falls back to the built-in .NET backend on any mismatch, error or timeout.",
            "Use promoted mode only after runtime readiness, deployment readiness and audited parity evidence all pass.",
            "Attach this readiness report to the deployment evidence before piloting Go in CI runner or workstation paths.",
        };

        private BackendReadinessReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks)
            : base(Schema, "runtime", config.Mode, status, checks, Notes)
        {
            RuntimePath = config.RuntimePath;
            PolicyPath = config.PolicyPath;
            RegistryPath = config.RegistryPath;
            TimeoutSeconds = config.TimeoutSeconds;
        }

        /// <summary>The configured paths as written (upstream echoes the raw strings).</summary>
        public string RuntimePath { get; }
        public string PolicyPath { get; }
        public string RegistryPath { get; }
        public double TimeoutSeconds { get; }

        public static BackendReadinessReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var files = context.Files;
            // Stricter than upstream, which checks existence only: a FIFO or directory must not select Go
            // (docs/design/file-system-rules.md).
            bool runtimeExists = files.IsExecutableFile(config.RuntimePath);
            bool policyExists = files.IsRegularFile(config.PolicyPath);
            bool registryOk = config.RegistryPath.Length == 0 || files.IsRegularFile(config.RegistryPath);
            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_backend_opt_in", config.Enabled,
                    "The Go backend is enabled only when CAVRA_GO_BACKEND_MODE is shadow, enforce or promoted."),
                new ReadinessCheck("go_runtime_binary", runtimeExists,
                    "CAVRA_GO_RUNTIME_PATH must point to a local cavra-runtime binary.", ("path", config.RuntimePath)),
                new ReadinessCheck("go_runtime_policy", policyExists,
                    "CAVRA_GO_RUNTIME_POLICY must point to compiled policy JSON produced by `cavra policy compile`.", ("path", config.PolicyPath)),
                new ReadinessCheck("go_runtime_registry", registryOk,
                    "Optional CAVRA_GO_RUNTIME_REGISTRY must exist when configured.", ("path", config.RegistryPath)),
                new ReadinessCheck("dotnet_fallback", true,
                    "The built-in .NET backend stays authoritative and is used whenever Go errors, times out or diverges."),
                new ReadinessCheck("parity_gate", true,
                    "Go enforcement is accepted only when decision, rule_id and severity match the built-in .NET backend."),
            };
            ReportStatus status;
            if (config.Mode == BackendMode.Disabled) status = ReportStatus.Disabled;
            else
            {
                status = ReportStatus.Ready;
                foreach (var c in checks) if (!c.Passed) status = ReportStatus.NeedsAttention;
            }
            return new BackendReadinessReport(config, status, checks);
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("runtime_path", RuntimePath)
                .Property("policy_path", PolicyPath)
                .Property("registry_path", RegistryPath)
                .Property("timeout_seconds", TimeoutSeconds)
                .Property("checks", Checks)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
