using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Deployment;

public sealed class BackendReadinessReportTests : IDisposable
{
    private readonly EvidenceSet _files = new();
    public void Dispose() => _files.Dispose();

    private BackendReadinessReport Evaluate(GateParameters p) => BackendReadinessReport.Evaluate(_files.Context(p));

    private static ReadinessCheck Check(ReadinessReport r, string id) => Assert.Single(r.Checks, c => c.Id == id);

    [Fact]
    public void All_present_in_promoted_mode_is_ready()
    {
        var r = Evaluate(_files.Parameters());
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("runtime", r.Section);
        Assert.Equal(BackendReadinessReport.Schema, r.SchemaVersion);
        Assert.Equal(new[] { "go_backend_opt_in", "go_runtime_binary", "go_runtime_policy", "go_runtime_registry", "dotnet_fallback", "parity_gate" },
            r.Checks.Select(c => c.Id));
        Assert.All(r.Checks, c => Assert.Equal(CheckStatus.Pass, c.Status));
    }

    [Theory]
    [InlineData(BackendMode.Shadow)]
    [InlineData(BackendMode.Enforce)]
    [InlineData(BackendMode.Promoted)]
    public void Opt_in_passes_for_every_enabled_mode(BackendMode mode)
    {
        var c = Check(Evaluate(_files.Parameters(mode)), "go_backend_opt_in");
        Assert.Equal(CheckStatus.Pass, c.Status);
        Assert.Equal("The Go backend is enabled only when CAVRA_GO_BACKEND_MODE is shadow, enforce or promoted.", c.Message);
        Assert.Empty(c.Extras);
    }

    [Fact]
    public void Disabled_mode_reports_disabled_even_when_everything_else_passes()
    {
        var r = Evaluate(_files.Parameters(BackendMode.Disabled));
        Assert.Equal(ReportStatus.Disabled, r.Status);
        var c = Check(r, "go_backend_opt_in");
        Assert.Equal(CheckStatus.Warn, c.Status);
        Assert.Equal("The Go backend is enabled only when CAVRA_GO_BACKEND_MODE is shadow, enforce or promoted.", c.Message);
        Assert.All(r.Checks.Where(x => x.Id != "go_backend_opt_in"), x => Assert.True(x.Passed));
    }

    [Fact]
    public void Disabled_mode_with_nothing_configured_is_still_disabled()
    {
        var r = BackendReadinessReport.Evaluate(new GateContext(GateConfig.Defaults, new InputFiles(_files.Directory)));
        Assert.Equal(ReportStatus.Disabled, r.Status);
        Assert.False(Check(r, "go_runtime_binary").Passed);
    }

    [Fact]
    public void Runtime_binary_pass_and_warn()
    {
        var pass = Check(Evaluate(_files.Parameters()), "go_runtime_binary");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("CAVRA_GO_RUNTIME_PATH must point to a local cavra-runtime binary.", pass.Message);
        Assert.Equal(new object[] { "path" }, pass.Extras.Keys.Cast<object>());
        Assert.Equal(_files.RuntimePath, pass["path"]);

        var p = _files.Parameters();
        p.RuntimePath = "missing-runtime";
        var r = Evaluate(p);
        var warn = Check(r, "go_runtime_binary");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("CAVRA_GO_RUNTIME_PATH must point to a local cavra-runtime binary.", warn.Message);
        Assert.Equal("missing-runtime", warn["path"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void Runtime_binary_unset_warns_and_only_a_regular_executable_file_passes()
    {
        var p = _files.Parameters();
        p.RuntimePath = "";
        Assert.Equal(CheckStatus.Warn, Check(Evaluate(p), "go_runtime_binary").Status);
        // Stricter than upstream (existence only): a directory, a FIFO or a file nobody may execute must not select Go.
        p.RuntimePath = _files.PackageDir;
        Assert.Equal(CheckStatus.Warn, Check(Evaluate(p), "go_runtime_binary").Status);
        if (OperatingSystem.IsWindows()) return;
        p.RuntimePath = Hostile.MakeFifo(Path.Combine(_files.Directory, "runtime.fifo"));
        Assert.Equal(CheckStatus.Warn, Check(Evaluate(p), "go_runtime_binary").Status);
        var plain = Path.Combine(_files.Directory, "not-executable");
        File.WriteAllText(plain, "#!/bin/sh\n");
        File.SetUnixFileMode(plain, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        p.RuntimePath = plain;
        Assert.Equal(CheckStatus.Warn, Check(Evaluate(p), "go_runtime_binary").Status);
        var link = Path.Combine(_files.Directory, "runtime-link");
        File.CreateSymbolicLink(link, _files.RuntimePath);
        p.RuntimePath = link; // a link to a regular executable file is that file
        Assert.Equal(CheckStatus.Pass, Check(Evaluate(p), "go_runtime_binary").Status);
    }

    [Fact]
    public void Policy_and_registry_must_be_regular_files()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Hostile.MakeFifo(Path.Combine(_files.Directory, "policy.fifo"));
        foreach (var special in new[] { fifo, _files.PackageDir, "/dev/null" })
        {
            var p = _files.Parameters();
            p.PolicyPath = special;
            Assert.Equal(CheckStatus.Warn, Check(Hostile.Bounded(() => Evaluate(p)), "go_runtime_policy").Status);
            p = _files.Parameters();
            p.RegistryPath = special;
            Assert.Equal(CheckStatus.Warn, Check(Hostile.Bounded(() => Evaluate(p)), "go_runtime_registry").Status);
        }
    }

    [Fact]
    public void Runtime_policy_pass_and_warn()
    {
        var pass = Check(Evaluate(_files.Parameters()), "go_runtime_policy");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("CAVRA_GO_RUNTIME_POLICY must point to compiled policy JSON produced by `cavra policy compile`.", pass.Message);
        Assert.Equal(_files.PolicyPath, pass["path"]);

        var p = _files.Parameters();
        p.PolicyPath = "";
        var r = Evaluate(p);
        var warn = Check(r, "go_runtime_policy");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("", warn["path"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void Registry_is_optional_but_must_exist_when_configured()
    {
        var unset = Check(Evaluate(_files.Parameters()), "go_runtime_registry");
        Assert.Equal(CheckStatus.Pass, unset.Status);
        Assert.Equal("Optional CAVRA_GO_RUNTIME_REGISTRY must exist when configured.", unset.Message);
        Assert.Equal("", unset["path"]);

        var p = _files.Parameters();
        p.RegistryPath = "registry.json";
        var r = Evaluate(p);
        var warn = Check(r, "go_runtime_registry");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("registry.json", warn["path"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        File.WriteAllText(Path.Combine(_files.Directory, "registry.json"), "{}");
        var pass = Check(Evaluate(p), "go_runtime_registry");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("registry.json", pass["path"]);
    }

    [Fact]
    public void Dotnet_fallback_replaces_python_fallback_and_always_passes()
    {
        var p = _files.Parameters(BackendMode.Shadow);
        p.RuntimePath = "";
        var r = Evaluate(p);
        Assert.DoesNotContain(r.Checks, c => c.Id == "python_fallback");
        var c = Check(r, "dotnet_fallback");
        Assert.Equal(CheckStatus.Pass, c.Status);
        Assert.Equal("The built-in .NET backend stays authoritative and is used whenever Go errors, times out or diverges.", c.Message);
        Assert.Empty(c.Extras);
        var parity = Check(r, "parity_gate");
        Assert.Equal(CheckStatus.Pass, parity.Status);
        Assert.Equal("Go enforcement is accepted only when decision, rule_id and severity match the built-in .NET backend.", parity.Message);
        Assert.Empty(parity.Extras);
        Assert.DoesNotContain(r.Checks.Select(x => x.Message).Concat(r.OperatorNotes), m => m.Contains("Python"));
    }

    [Fact]
    public void Canonical_json_keys_values_and_raw_paths()
    {
        var p = _files.Parameters(BackendMode.Shadow);
        p.RuntimePath = "./bin//cavra-runtime";
        var doc = EvidenceSet.Canonical(Evaluate(p));
        Assert.Equal(new[] { "schema_version", "mode", "status", "runtime_path", "policy_path", "registry_path", "timeout_seconds", "checks", "operator_notes" },
            EvidenceSet.Keys(doc));
        Assert.Equal("cavra.go-backend-pilot.readiness.v1", ((JsonString)doc.Get("schema_version")!).Value);
        Assert.Equal("shadow", ((JsonString)doc.Get("mode")!).Value);
        Assert.Equal("needs_attention", ((JsonString)doc.Get("status")!).Value);
        Assert.Equal("./bin//cavra-runtime", ((JsonString)doc.Get("runtime_path")!).Value); // raw, not display-normalised
        Assert.Equal(4, ((JsonArray)doc.Get("operator_notes")!).Count);
        var check = (JsonObject)((JsonArray)doc.Get("checks")!).Items[1];
        Assert.Equal(new[] { "id", "status", "message", "path" }, EvidenceSet.Keys(check));
        Assert.Equal("warn", ((JsonString)check.Get("status")!).Value);
    }

    [Fact]
    public void Timeout_prints_as_a_python_float()
    {
        var json = Evaluate(_files.Parameters()).ToJson();
        Assert.Contains("\"timeout_seconds\": 5.0,", json);
        var p = _files.Parameters();
        p.TimeoutSeconds = 2.5;
        Assert.Contains("\"timeout_seconds\": 2.5,", Evaluate(p).ToJson());
        Assert.Equal(2.5, Evaluate(p).TimeoutSeconds);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_input_base_directory()
    {
        var p = _files.Parameters();
        p.RuntimePath = "cavra-runtime";
        p.PolicyPath = "./compiled-policy.json";
        Assert.Equal(ReportStatus.Ready, Evaluate(p).Status);
    }
}
