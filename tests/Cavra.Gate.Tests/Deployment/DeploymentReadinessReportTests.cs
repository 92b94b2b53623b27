using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;

namespace Cavra.Gate.Tests.Deployment;

public sealed class DeploymentReadinessReportTests : IDisposable
{
    private readonly EvidenceSet _files = new();
    public void Dispose() => _files.Dispose();

    private DeploymentReadinessReport Evaluate(GateParameters? p = null) => DeploymentReadinessReport.Evaluate(_files.Context(p ?? _files.Parameters()));

    private static ReadinessCheck Check(ReadinessReport r, string id) => Assert.Single(r.Checks, c => c.Id == id);

    private static string[] ExtraKeys(ReadinessCheck c) => c.Extras.Keys.Cast<string>().ToArray();

    private static readonly string[] CheckIds =
    {
        "go_deployment_metadata_configured", "go_release_package_dir", "go_endpoint_deployment_manifest",
        "go_ci_runner_bundles", "go_workstation_channels", "go_workstation_updater_policy",
    };

    [Fact]
    public void The_example_package_is_ready()
    {
        var r = Evaluate();
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("deployment", r.Section);
        Assert.Equal(DeploymentReadinessReport.Schema, r.SchemaVersion);
        Assert.True(r.Configured);
        Assert.Equal(CheckIds, r.Checks.Select(c => c.Id));
        Assert.All(r.Checks, c => Assert.True(c.Passed, c.ToString()));
        Assert.Equal("github-actions-linux-amd64-runner", Assert.Single(r.CiRunnerTargets).DeploymentTarget);
        Assert.Equal("linux-systemd-amd64-workstation", Assert.Single(r.WorkstationTargets).DeploymentTarget);
        Assert.Equal(new[] { "stable" }, r.Channels);
        Assert.Equal(3, r.OperatorNotes.Count);
    }

    [Fact]
    public void Metadata_configured_pass_and_warn()
    {
        const string message = "Go runtime deployment metadata must be configured before enabling CI runner or workstation rollout.";
        var configured = Check(Evaluate(), "go_deployment_metadata_configured");
        Assert.Equal(CheckStatus.Pass, configured.Status);
        Assert.Equal(message, configured.Message);
        Assert.Empty(configured.Extras);

        var enabledNothing = Evaluate(new GateParameters { Mode = BackendMode.Shadow });
        var warn = Check(enabledNothing, "go_deployment_metadata_configured");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal(message, warn.Message);
        Assert.Equal(ReportStatus.NeedsAttention, enabledNothing.Status);
        Assert.False(enabledNothing.Configured);

        var disabledNothing = Evaluate(new GateParameters { Mode = BackendMode.Disabled });
        Assert.Equal(CheckStatus.Pass, Check(disabledNothing, "go_deployment_metadata_configured").Status);
        Assert.Equal(ReportStatus.NotConfigured, disabledNothing.Status);
    }

    [Fact]
    public void Not_configured_reads_nothing_and_says_so()
    {
        var ctx = _files.Context(new GateParameters());
        var reads = new List<string>();
        ctx.Files.FileRead += reads.Add;
        var r = DeploymentReadinessReport.Evaluate(ctx);
        Assert.Empty(reads);
        Assert.Equal(ReportStatus.NotConfigured, r.Status);
        Assert.Equal("metadata path is not configured", Check(r, "go_endpoint_deployment_manifest").Message);
        Assert.StartsWith("metadata path is not configured; CI runner bundle metadata has an invalid schema_version", Check(r, "go_ci_runner_bundles").Message);
        Assert.Equal("", r.PackageDir);
        Assert.All(r.MetadataPaths.Displayed, kv => Assert.Equal("", kv.Value));
        Assert.All(r.Checks.Where(c => c.Extras.Contains("path")), c => Assert.Equal("", c["path"]));
    }

    [Theory]
    [InlineData(BackendMode.Disabled)]
    [InlineData(BackendMode.Promoted)]
    public void Configured_but_broken_needs_attention_in_any_mode(BackendMode mode)
    {
        File.Delete(_files.PathOf(EvidenceSet.Updater));
        Assert.Equal(ReportStatus.NeedsAttention, Evaluate(_files.Parameters(mode)).Status);
    }

    [Fact]
    public void Configured_and_valid_is_ready_even_when_disabled() =>
        Assert.Equal(ReportStatus.Ready, Evaluate(_files.Parameters(BackendMode.Disabled)).Status);

    [Fact]
    public void Release_package_dir_pass_and_warn()
    {
        const string message = "Optional CAVRA_GO_RUNTIME_PACKAGE_DIR must exist when configured.";
        var pass = Check(Evaluate(), "go_release_package_dir");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal(message, pass.Message);
        Assert.Equal(new[] { "path" }, ExtraKeys(pass));
        Assert.Equal(_files.PackageDir, pass["path"]);

        var p = _files.Parameters();
        p.PackageDir = "./missing//pkg/";
        var r = Evaluate(p);
        var warn = Check(r, "go_release_package_dir");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal(message, warn.Message);
        Assert.Equal("missing/pkg", warn["path"]);
        Assert.Equal("missing/pkg", r.PackageDir);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        p = _files.Parameters();
        p.PackageDir = null;
        p.EndpointDeploymentPath = _files.PathOf(EvidenceSet.Endpoint);
        var unset = Check(Evaluate(p), "go_release_package_dir");
        Assert.Equal(CheckStatus.Pass, unset.Status);
        Assert.Equal("", unset["path"]);
    }

    [Fact]
    public void Endpoint_manifest_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_endpoint_deployment_manifest");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("metadata file is present and parseable", pass.Message);
        Assert.Equal(new[] { "path" }, ExtraKeys(pass));
        Assert.Equal(_files.PathOf(EvidenceSet.Endpoint), pass["path"]);

        File.Delete(_files.PathOf(EvidenceSet.Endpoint));
        var r = Evaluate();
        var warn = Check(r, "go_endpoint_deployment_manifest");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("metadata file is missing", warn.Message);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        // without the endpoint targets the CI bundle no longer references a known runner target
        Assert.Equal("CI runner bundle references an invalid CI runner target: github-actions-linux-amd64-runner", Check(r, "go_ci_runner_bundles").Message);
    }

    [Fact]
    public void Endpoint_manifest_is_parse_only()
    {
        _files.Write(EvidenceSet.Endpoint, "{\"schema_version\": \"anything\"}");
        var r = Evaluate();
        Assert.True(Check(r, "go_endpoint_deployment_manifest").Passed);
        Assert.False(Check(r, "go_ci_runner_bundles").Passed);
    }

    [Fact]
    public void Ci_runner_bundles_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_ci_runner_bundles");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal(CiRunnerBundles.SuccessMessage, pass.Message);
        Assert.Equal(new[] { "path", "targets" }, ExtraKeys(pass));
        Assert.Equal(_files.PathOf(EvidenceSet.CiRunner), pass["path"]);
        var row = Assert.Single((IReadOnlyList<CiRunnerTarget>)pass["targets"]!);
        Assert.Equal("GitHub Actions", row.Platform);

        _files.Edit(EvidenceSet.CiRunner, ("source_metadata", "\"elsewhere.json\""));
        var r = Evaluate();
        var warn = Check(r, "go_ci_runner_bundles");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("CI runner bundle metadata must reference cavra-runtime.endpoint-deployment.json", warn.Message);
        Assert.Single((IReadOnlyList<CiRunnerTarget>)warn["targets"]!);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void A_missing_ci_runner_file_names_the_read_problem_before_the_summary()
    {
        File.Delete(_files.PathOf(EvidenceSet.CiRunner));
        var warn = Check(Evaluate(), "go_ci_runner_bundles");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.StartsWith("metadata file is missing; CI runner bundle metadata has an invalid schema_version; ", warn.Message);
        Assert.Empty((IReadOnlyList<CiRunnerTarget>)warn["targets"]!);
    }

    [Fact]
    public void Workstation_channels_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_workstation_channels");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal(WorkstationRollout.ChannelsSuccessMessage, pass.Message);
        Assert.Equal(new[] { "path", "channels", "targets" }, ExtraKeys(pass));
        Assert.Equal(_files.PathOf(EvidenceSet.Channels), pass["path"]);
        Assert.Equal(new[] { "stable" }, (IReadOnlyList<string>)pass["channels"]!);
        Assert.Single((IReadOnlyList<WorkstationTarget>)pass["targets"]!);

        _files.Write(EvidenceSet.Channels, _files.Read(EvidenceSet.Channels).Replace("\"auto_update\": false", "\"auto_update\": true"));
        var r = Evaluate();
        var warn = Check(r, "go_workstation_channels");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("channel stable must require approval and disable auto update", warn.Message);
        Assert.Equal(new[] { "stable" }, (IReadOnlyList<string>)warn["channels"]!);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        Assert.True(Check(r, "go_workstation_updater_policy").Passed);
    }

    [Fact]
    public void Workstation_updater_policy_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_workstation_updater_policy");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal(WorkstationRollout.UpdaterSuccessMessage, pass.Message);
        Assert.Equal(new[] { "path" }, ExtraKeys(pass));
        Assert.Equal(_files.PathOf(EvidenceSet.Updater), pass["path"]);

        _files.Edit(EvidenceSet.Updater, ("default_auto_update", "true"));
        var r = Evaluate();
        var warn = Check(r, "go_workstation_updater_policy");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("workstation updater policy must disable automatic updates by default", warn.Message);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        File.Delete(_files.PathOf(EvidenceSet.Updater));
        Assert.StartsWith("metadata file is missing; workstation updater policy has an invalid schema_version", Check(Evaluate(), "go_workstation_updater_policy").Message);
    }

    [Fact]
    public void Explicit_paths_are_shown_with_display_path_and_read_as_configured()
    {
        var p = new GateParameters
        {
            Mode = BackendMode.Shadow,
            EndpointDeploymentPath = "./package//" + EvidenceSet.Endpoint,
            CiRunnerBundlesPath = "package/./" + EvidenceSet.CiRunner,
            ChannelManifestPath = "./package/" + EvidenceSet.Channels,
            UpdaterPolicyPath = "package//" + EvidenceSet.Updater,
        };
        var r = Evaluate(p);
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("package/" + EvidenceSet.Endpoint, Check(r, "go_endpoint_deployment_manifest")["path"]);
        Assert.Equal("package/" + EvidenceSet.CiRunner, Check(r, "go_ci_runner_bundles")["path"]);
        Assert.Equal("package/" + EvidenceSet.Channels, Check(r, "go_workstation_channels")["path"]);
        Assert.Equal("package/" + EvidenceSet.Updater, Check(r, "go_workstation_updater_policy")["path"]);
        var doc = EvidenceSet.Canonical(r);
        var paths = (JsonObject)doc.Get("metadata_paths")!;
        Assert.Equal("package/" + EvidenceSet.Endpoint, ((JsonString)paths.Get("endpoint_deployment")!).Value);
        Assert.Equal("package/" + EvidenceSet.Updater, ((JsonString)paths.Get("updater_policy")!).Value);
        Assert.Equal("", ((JsonString)doc.Get("package_dir")!).Value);
    }

    [Fact]
    public void Package_dir_relative_with_dot_and_slashes_is_displayed_normalised()
    {
        var p = _files.Parameters();
        p.PackageDir = "./package/";
        var r = Evaluate(p);
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("package", r.PackageDir);
        Assert.Equal("package", Check(r, "go_release_package_dir")["path"]);
        Assert.Equal("package/" + EvidenceSet.Channels, Check(r, "go_workstation_channels")["path"]);
    }

    [Fact]
    public void Canonical_json_has_upstream_keys_in_order()
    {
        var doc = EvidenceSet.Canonical(Evaluate());
        Assert.Equal(new[] { "schema_version", "mode", "status", "package_dir", "metadata_paths", "checks", "ci_runner_targets", "workstation_targets", "channels", "operator_notes" },
            EvidenceSet.Keys(doc));
        Assert.Equal("cavra.go-backend-pilot.deployment-readiness.v1", ((JsonString)doc.Get("schema_version")!).Value);
        Assert.Equal("promoted", ((JsonString)doc.Get("mode")!).Value);
        Assert.Equal("ready", ((JsonString)doc.Get("status")!).Value);
        Assert.Equal(new[] { "endpoint_deployment", "ci_runner_bundles", "channel_manifest", "updater_policy" }, EvidenceSet.Keys((JsonObject)doc.Get("metadata_paths")!));
        var checks = ((JsonArray)doc.Get("checks")!).Items.Cast<JsonObject>().ToList();
        Assert.Equal(new[] { "id", "status", "message" }, EvidenceSet.Keys(checks[0]));
        Assert.Equal(new[] { "id", "status", "message", "path", "targets" }, EvidenceSet.Keys(checks[3]));
        Assert.Equal(new[] { "id", "status", "message", "path", "channels", "targets" }, EvidenceSet.Keys(checks[4]));
        Assert.Equal(new[] { "deployment_target", "platform", "runtime_binary", "surface" },
            EvidenceSet.Keys((JsonObject)((JsonArray)doc.Get("ci_runner_targets")!).Items[0]));
        Assert.Equal(new[] { "channel", "deployment_target", "platform", "management_tool", "binary" },
            EvidenceSet.Keys((JsonObject)((JsonArray)doc.Get("workstation_targets")!).Items[0]));
        Assert.Equal("not_configured", ((JsonString)EvidenceSet.Canonical(Evaluate(new GateParameters())).Get("status")!).Value);
    }

    [Fact]
    public void Each_metadata_file_is_read_once()
    {
        var ctx = _files.Context();
        var reads = new List<string>();
        ctx.Files.FileRead += reads.Add;
        DeploymentReadinessReport.Evaluate(ctx);
        Assert.Equal(4, reads.Count);
        Assert.Equal(4, reads.Distinct().Count());
    }
}
