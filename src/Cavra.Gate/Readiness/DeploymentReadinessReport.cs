using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_deployment_readiness_report</c> (<c>cavra.go-backend-pilot.deployment-readiness.v1</c>, docs/design/readiness.md §3):
    /// CI runner and workstation rollout metadata. The only report whose paths are shown with <c>_display_path</c>.
    /// When a CI runner, channel or updater file cannot be read, its check message starts with the read problem
    /// (upstream shows only the summary of an empty document, which does not say why).
    /// </summary>
    public sealed class DeploymentReadinessReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.deployment-readiness.v1";
        public const string EndpointDefaultMessage = "Endpoint deployment manifest is present and declares deployment targets.";

        private static readonly string[] Notes =
        {
            "Use a verified Go runtime release package before enabling CI runner or workstation rollouts.",
            "CI runner bundles must reference signed runtime binaries and publish daemon evidence verification outputs.",
            "Workstation channel manifests and the updater policy must require approval and disable automatic updates by default.",
        };

        private DeploymentReadinessReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks,
            DeploymentMetadataPaths paths, bool configured, CiRunnerBundles ciRunner, WorkstationRollout workstation)
            : base(Schema, "deployment", config.Mode, status, checks, Notes)
        {
            PackageDir = config.PackageDir.Length > 0 ? DeploymentMetadataPaths.DisplayPath(config.PackageDir) : "";
            MetadataPaths = paths;
            Configured = configured;
            CiRunner = ciRunner;
            Workstation = workstation;
        }

        /// <summary>The release package directory as displayed ("" when unset).</summary>
        public string PackageDir { get; }
        public DeploymentMetadataPaths MetadataPaths { get; }
        /// <summary>A package directory or any metadata path is configured.</summary>
        public bool Configured { get; }
        public CiRunnerBundles CiRunner { get; }
        public WorkstationRollout Workstation { get; }
        public IReadOnlyList<CiRunnerTarget> CiRunnerTargets => CiRunner.Targets;
        public IReadOnlyList<WorkstationTarget> WorkstationTargets => Workstation.WorkstationTargets;
        public IReadOnlyList<string> Channels => Workstation.Channels;

        public static DeploymentReadinessReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var files = context.Files;
            var paths = DeploymentMetadataPaths.From(config);
            bool configured = paths.Configured;
            string packageDir = config.PackageDir;
            string Display(string? path) => DeploymentMetadataPaths.DisplayPath(path);

            var endpoint = files.ReadObject(paths.EndpointDeployment);
            var ciRunner = files.ReadObject(paths.CiRunnerBundles);
            var channels = files.ReadObject(paths.ChannelManifest);
            var updater = files.ReadObject(paths.UpdaterPolicy);
            var ci = CiRunnerBundles.Summarize(ciRunner.Payload, endpoint.Payload);
            var workstation = WorkstationRollout.Summarize(channels.Payload, updater.Payload);

            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_deployment_metadata_configured", configured || !config.Enabled,
                    "Go runtime deployment metadata must be configured before enabling CI runner or workstation rollout."),
                new ReadinessCheck("go_release_package_dir", packageDir.Length == 0 || files.Exists(packageDir),
                    "Optional CAVRA_GO_RUNTIME_PACKAGE_DIR must exist when configured.",
                    ("path", packageDir.Length > 0 ? Display(packageDir) : "")),
                new ReadinessCheck("go_endpoint_deployment_manifest", endpoint.Valid,
                    endpoint.Message.Length > 0 ? endpoint.Message : EndpointDefaultMessage,
                    ("path", Display(paths.EndpointDeployment))),
                new ReadinessCheck("go_ci_runner_bundles", ciRunner.Valid && ci.Valid, WithReadProblem(ciRunner, ci.Message),
                    ("path", Display(paths.CiRunnerBundles)), ("targets", ci.Targets)),
                new ReadinessCheck("go_workstation_channels", channels.Valid && workstation.ChannelsValid,
                    WithReadProblem(channels, workstation.ChannelsMessage),
                    ("path", Display(paths.ChannelManifest)), ("channels", workstation.Channels), ("targets", workstation.WorkstationTargets)),
                new ReadinessCheck("go_workstation_updater_policy", updater.Valid && workstation.UpdaterValid,
                    WithReadProblem(updater, workstation.UpdaterMessage),
                    ("path", Display(paths.UpdaterPolicy))),
            };

            ReportStatus status;
            if (!configured) status = config.Enabled ? ReportStatus.NeedsAttention : ReportStatus.NotConfigured;
            else
            {
                status = ReportStatus.Ready;
                foreach (var c in checks) if (!c.Passed) status = ReportStatus.NeedsAttention;
            }
            return new DeploymentReadinessReport(config, status, checks, paths, configured, ci, workstation);
        }

        private static string WithReadProblem(JsonFileCheck read, string summaryMessage) =>
            read.Valid ? summaryMessage : read.Message + "; " + summaryMessage;

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("package_dir", PackageDir)
                .Property("metadata_paths", MetadataPaths)
                .Property("checks", Checks)
                .Property("ci_runner_targets", CiRunnerTargets)
                .Property("workstation_targets", WorkstationTargets)
                .Property("channels", Channels)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
