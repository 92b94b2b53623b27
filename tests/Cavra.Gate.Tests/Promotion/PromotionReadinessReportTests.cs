using System.Security.Cryptography;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests.Deployment;
using Cavra.Gate.Time;

namespace Cavra.Gate.Tests.Promotion;

public sealed class PromotionReadinessReportTests : IDisposable
{
    private readonly EvidenceSet _files = new();
    public void Dispose() => _files.Dispose();

    private PromotionReadinessReport Evaluate(GateParameters? p = null, TimeProvider? clock = null) =>
        PromotionReadinessReport.Evaluate(_files.Context(p ?? _files.Parameters(), clock));

    private static ReadinessCheck Check(ReadinessReport r, string id) => Assert.Single(r.Checks, c => c.Id == id);
    private static string[] ExtraKeys(ReadinessCheck c) => c.Extras.Keys.Cast<string>().ToArray();

    [Fact]
    public void A_complete_valid_set_in_promoted_mode_is_ready()
    {
        var r = Evaluate();
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("promotion", r.Section);
        Assert.Equal(PromotionReadinessReport.Schema, r.SchemaVersion);
        Assert.Equal(new[] { "go_promotion_requested", "go_runtime_ready", "go_deployment_ready", "go_parity_evidence", "go_promotion_approval", "go_promotion_evidence_binding" },
            r.Checks.Select(c => c.Id));
        // The sample evidence has no runtime_sha256/policy_sha256 (upstream's schema has neither): an advisory warning only.
        Assert.All(r.Checks.Where(c => c.Id != "go_promotion_evidence_binding"), c => Assert.True(c.Passed, c.ToString()));
        Assert.Equal(ReportStatus.Ready, r.Backend.Status);
        Assert.Equal(ReportStatus.Ready, r.Deployment.Status);
        Assert.True(r.Evidence.Valid);
        Assert.Equal(_files.PromotionEvidencePath, r.PromotionEvidencePath);
        Assert.Equal(3, r.OperatorNotes.Count);
        Assert.DoesNotContain(r.OperatorNotes, n => n.Contains("Python"));
    }

    [Fact]
    public void Promotion_requested_pass_and_warn()
    {
        const string message = "Promoted mode is requested with CAVRA_GO_BACKEND_MODE=promoted or a configured promotion evidence file.";
        var promoted = Check(Evaluate(), "go_promotion_requested");
        Assert.Equal(CheckStatus.Pass, promoted.Status);
        Assert.Equal(message, promoted.Message);
        Assert.Equal(new[] { "mode" }, ExtraKeys(promoted));
        Assert.Equal("promoted", promoted["mode"]);

        // the evidence path alone requests promotion, in any mode
        var shadowWithEvidence = Evaluate(_files.Parameters(BackendMode.Shadow));
        Assert.Equal(CheckStatus.Pass, Check(shadowWithEvidence, "go_promotion_requested").Status);
        Assert.Equal("shadow", Check(shadowWithEvidence, "go_promotion_requested")["mode"]);
        Assert.Equal(ReportStatus.Ready, shadowWithEvidence.Status);

        var p = _files.Parameters(BackendMode.Enforce);
        p.PromotionEvidencePath = null;
        var r = Evaluate(p);
        var warn = Check(r, "go_promotion_requested");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal(message, warn.Message);
        Assert.Equal("enforce", warn["mode"]);
        Assert.Equal(ReportStatus.NotRequested, r.Status);
    }

    [Fact]
    public void Not_requested_wins_over_failing_checks()
    {
        var r = Evaluate(new GateParameters());
        Assert.Equal(ReportStatus.NotRequested, r.Status);
        Assert.All(r.Checks, c => Assert.False(c.Passed));
        Assert.Equal("disabled", Check(r, "go_promotion_requested")["mode"]);
        Assert.Equal("metadata path is not configured", Check(r, "go_parity_evidence").Message);
    }

    [Fact]
    public void Runtime_ready_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_runtime_ready");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("Go runtime readiness must be ready before promotion.", pass.Message);
        Assert.Equal(new[] { "go_backend_status" }, ExtraKeys(pass));
        Assert.Equal("ready", pass["go_backend_status"]);

        File.Delete(_files.RuntimePath);
        var r = Evaluate();
        var warn = Check(r, "go_runtime_ready");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("Go runtime readiness must be ready before promotion.", warn.Message);
        Assert.Equal("needs_attention", warn["go_backend_status"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void A_disabled_backend_is_not_ready_for_promotion()
    {
        var r = Evaluate(_files.Parameters(BackendMode.Disabled)); // requested through the evidence path
        Assert.Equal(ReportStatus.Disabled, r.Backend.Status);
        Assert.Equal("disabled", Check(r, "go_runtime_ready")["go_backend_status"]);
        Assert.False(Check(r, "go_runtime_ready").Passed);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void Deployment_ready_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_deployment_ready");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("Go deployment readiness must be ready before promotion.", pass.Message);
        Assert.Equal(new[] { "go_deployment_status" }, ExtraKeys(pass));
        Assert.Equal("ready", pass["go_deployment_status"]);

        File.Delete(_files.PathOf(EvidenceSet.Channels));
        var r = Evaluate();
        var warn = Check(r, "go_deployment_ready");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("needs_attention", warn["go_deployment_status"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        var p = _files.Parameters();
        p.PackageDir = null;
        var unconfigured = Check(Evaluate(p), "go_deployment_ready");
        Assert.False(unconfigured.Passed);
        Assert.Equal("needs_attention", unconfigured["go_deployment_status"]); // enabled and not configured
    }

    [Fact]
    public void Parity_evidence_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_parity_evidence");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal(PromotionEvidence.SuccessMessage, pass.Message);
        Assert.Equal(new[] { "path", "evidence_schema" }, ExtraKeys(pass));
        Assert.Equal(_files.PromotionEvidencePath, pass["path"]);
        Assert.Equal("cavra.go-backend-promotion-evidence.v1", pass["evidence_schema"]);

        _files.Edit(EvidenceSet.Promotion, ("parity_status", "\"fail\""), ("schema_version", "\"v0\""));
        var r = Evaluate();
        var warn = Check(r, "go_parity_evidence");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("promotion evidence has an invalid schema_version; promotion evidence must record parity_status=pass", warn.Message);
        Assert.Equal("v0", warn["evidence_schema"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void Parity_evidence_path_is_echoed_raw()
    {
        var p = _files.Parameters();
        p.PromotionEvidencePath = ".//" + EvidenceSet.Promotion;
        var r = Evaluate(p);
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal(".//" + EvidenceSet.Promotion, Check(r, "go_parity_evidence")["path"]);
        Assert.Equal(".//" + EvidenceSet.Promotion, ((JsonString)EvidenceSet.Canonical(r).Get("promotion_evidence_path")!).Value);
    }

    [Fact]
    public void Expired_or_mis_bound_evidence_fails_the_parity_check()
    {
        _files.Edit(EvidenceSet.Promotion, ("expires_at", "\"2026-11-26T11:59:59+00:00\""));
        var expired = Check(Evaluate(), "go_parity_evidence");
        Assert.False(expired.Passed);
        Assert.Equal("promotion evidence has expired (expires_at 2026-11-26T11:59:59+00:00)", expired.Message);

        _files.Edit(EvidenceSet.Promotion, ("expires_at", null), ("runtime_sha256", "\"" + new string('a', 64) + "\""));
        var r = Evaluate();
        Assert.Equal("evidence was produced for a different runtime binary", Check(r, "go_parity_evidence").Message);
        Assert.True(Check(r, "go_promotion_approval").Passed);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_files.RuntimePath)));
        _files.Edit(EvidenceSet.Promotion, ("runtime_sha256", "\"" + hash + "\""));
        Assert.Equal(ReportStatus.Ready, Evaluate().Status);
    }

    [Fact]
    public void Promotion_approval_pass_and_warn()
    {
        var pass = Check(Evaluate(), "go_promotion_approval");
        Assert.Equal(CheckStatus.Pass, pass.Status);
        Assert.Equal("Promotion approval is recorded.", pass.Message);
        Assert.Equal(new[] { "approval_id" }, ExtraKeys(pass));
        Assert.Equal("apr_go_backend_promotion", pass["approval_id"]);

        _files.Edit(EvidenceSet.Promotion, ("approved", "false"));
        var r = Evaluate();
        var warn = Check(r, "go_promotion_approval");
        Assert.Equal(CheckStatus.Warn, warn.Status);
        Assert.Equal("promotion evidence must be approved", warn.Message);
        Assert.Equal("apr_go_backend_promotion", warn["approval_id"]);
        Assert.True(Check(r, "go_parity_evidence").Passed);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        // A field of the wrong type is not merely "not approved": the evidence itself is invalid.
        _files.Edit(EvidenceSet.Promotion, ("approved", "\"true\""));
        r = Evaluate();
        Assert.Equal(CheckStatus.Warn, Check(r, "go_promotion_approval").Status);
        Assert.False(Check(r, "go_parity_evidence").Passed);
        Assert.Contains("promotion evidence approved must be true or false", Check(r, "go_parity_evidence").Message);

        File.Delete(_files.PromotionEvidencePath);
        var missing = Check(Evaluate(), "go_promotion_approval");
        Assert.Equal("promotion evidence is missing or invalid", missing.Message);
        Assert.Equal("", missing["approval_id"]);
    }

    [Fact]
    public void Canonical_json_has_upstream_keys_and_embeds_the_evidence_summary()
    {
        var doc = EvidenceSet.Canonical(Evaluate());
        Assert.Equal(new[] { "schema_version", "mode", "status", "promotion_evidence_path", "checks", "backend_status", "deployment_status", "evidence", "operator_notes" },
            EvidenceSet.Keys(doc));
        Assert.Equal("cavra.go-backend-pilot.promotion-readiness.v1", ((JsonString)doc.Get("schema_version")!).Value);
        Assert.Equal("promoted", ((JsonString)doc.Get("mode")!).Value);
        Assert.Equal("ready", ((JsonString)doc.Get("status")!).Value);
        Assert.Equal("ready", ((JsonString)doc.Get("backend_status")!).Value);
        Assert.Equal("ready", ((JsonString)doc.Get("deployment_status")!).Value);
        Assert.Equal(new[] { "valid", "approved", "schema_version", "approval_id", "message", "approval_message", "evidence_refs", "parity_status", "deployment_status" },
            EvidenceSet.Keys((JsonObject)doc.Get("evidence")!));
        var checks = ((JsonArray)doc.Get("checks")!).Items.Cast<JsonObject>().ToList();
        Assert.Equal(new[] { "id", "status", "message", "mode" }, EvidenceSet.Keys(checks[0]));
        Assert.Equal(new[] { "id", "status", "message", "go_backend_status" }, EvidenceSet.Keys(checks[1]));
        Assert.Equal("ready", ((JsonString)checks[1].Get("go_backend_status")!).Value);
        Assert.Equal(new[] { "id", "status", "message", "go_deployment_status" }, EvidenceSet.Keys(checks[2]));
        Assert.Equal(new[] { "id", "status", "message", "path", "evidence_schema" }, EvidenceSet.Keys(checks[3]));
        Assert.Equal(new[] { "id", "status", "message", "approval_id" }, EvidenceSet.Keys(checks[4]));

        File.Delete(_files.PromotionEvidencePath);
        var missing = EvidenceSet.Canonical(Evaluate());
        Assert.Equal("needs_attention", ((JsonString)missing.Get("status")!).Value);
        Assert.Equal(new[] { "valid", "approved", "schema_version", "approval_id", "message", "approval_message", "evidence_refs" },
            EvidenceSet.Keys((JsonObject)missing.Get("evidence")!));
        Assert.Equal("not_requested", ((JsonString)EvidenceSet.Canonical(Evaluate(new GateParameters())).Get("status")!).Value);
    }

    [Fact]
    public void One_evaluation_reads_the_five_input_files_once_each()
    {
        var ctx = _files.Context();
        var reads = new List<string>();
        ctx.Files.FileRead += reads.Add;
        PromotionReadinessReport.Evaluate(ctx);
        Assert.Equal(5, reads.Count);
        Assert.Equal(5, reads.Distinct().Count());
    }

    [Fact]
    public void Unbound_evidence_warns_without_blocking_and_reads_WARN()
    {
        var r = Evaluate();
        var binding = Check(r, "go_promotion_evidence_binding");
        Assert.Equal(CheckStatus.Warn, binding.Status);
        Assert.True(binding.Advisory);
        Assert.False(binding.Blocking);
        Assert.Equal(CheckOutcome.Warn, binding.Outcome);
        Assert.Equal("promotion evidence is not bound to a binary: it has no runtime_sha256 or policy_sha256, so it approves any runtime and policy", binding.Message);
        Assert.Equal(new[] { "runtime_sha256", "policy_sha256", "binding_required" }, ExtraKeys(binding));
        Assert.Equal(false, binding["binding_required"]);
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.DoesNotContain(binding, r.FailingChecks);
        // JSON keeps upstream's vocabulary: the warning is "warn", never "fail".
        Assert.Matches("\"id\": \"go_promotion_evidence_binding\",\\s+\"status\": \"warn\"", r.ToJson());
        Assert.DoesNotContain("\"fail\"", r.ToJson());
    }

    [Fact]
    public void RequireBoundEvidence_makes_unbound_evidence_block_and_read_FAIL()
    {
        var p = _files.Parameters();
        p.RequireBoundEvidence = true;
        var r = Evaluate(p);
        var binding = Check(r, "go_promotion_evidence_binding");
        Assert.True(binding.Blocking);
        Assert.Equal(CheckOutcome.Fail, binding.Outcome);
        Assert.Equal(true, binding["binding_required"]);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        Assert.Equal(new[] { binding }, r.FailingChecks);
    }

    [Fact]
    public void Evidence_bound_to_both_hashes_passes_the_binding_check_even_when_required()
    {
        string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        _files.Edit(EvidenceSet.Promotion, ("runtime_sha256", "\"" + Hash(_files.RuntimePath) + "\""));
        var half = Check(Evaluate(), "go_promotion_evidence_binding");
        Assert.False(half.Passed);
        Assert.Contains("no policy_sha256", half.Message);

        _files.Edit(EvidenceSet.Promotion, ("policy_sha256", "\"" + Hash(_files.PolicyPath) + "\""));
        var p = _files.Parameters();
        p.RequireBoundEvidence = true;
        var r = Evaluate(p);
        Assert.True(Check(r, "go_promotion_evidence_binding").Passed);
        Assert.Equal(ReportStatus.Ready, r.Status);
    }

    [Fact]
    public void The_binding_requirement_comes_from_CAVRA_GO_REQUIRE_BOUND_EVIDENCE_and_fails_closed_on_nonsense()
    {
        Assert.False(GateConfig.Resolve(null, _ => null).RequireBoundEvidence);
        Assert.True(GateConfig.Resolve(null, v => v == GateSettings.RequireBoundEvidence.EnvironmentVariable ? "yes" : null).RequireBoundEvidence);
        Assert.False(GateConfig.Resolve(null, v => v == GateSettings.RequireBoundEvidence.EnvironmentVariable ? "0" : null).RequireBoundEvidence);
        var typo = GateConfig.Resolve(null, v => v == GateSettings.RequireBoundEvidence.EnvironmentVariable ? "ture" : null);
        Assert.True(typo.RequireBoundEvidence);
        Assert.Contains("fails closed", typo["RequireBoundEvidence"].Note);
        // A parameter overrides the environment both ways.
        Assert.False(GateConfig.Resolve(new GateParameters { RequireBoundEvidence = false }, _ => "1").RequireBoundEvidence);
    }

    [Fact]
    public void A_missing_evidence_file_leaves_the_binding_check_advisory()
    {
        File.Delete(_files.PromotionEvidencePath);
        var binding = Check(Evaluate(), "go_promotion_evidence_binding");
        Assert.Equal(CheckOutcome.Warn, binding.Outcome);
        Assert.Equal("promotion evidence is not valid, so it is not bound to a runtime binary or compiled policy", binding.Message);
    }
}
