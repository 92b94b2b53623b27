using System.Security.Cryptography;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests.Deployment;
using Cavra.Gate.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Promotion;

public sealed class PromotionEvidenceTests : IDisposable
{
    private readonly EvidenceSet _files = new();
    public void Dispose() => _files.Dispose();

    private static readonly string Example = EvidenceSet.Example(EvidenceSet.Promotion);
    private static readonly string[] ValidShape =
        { "valid", "approved", "schema_version", "approval_id", "message", "approval_message", "evidence_refs", "parity_status", "deployment_status" };
    private static readonly string[] InvalidShape =
        { "valid", "approved", "schema_version", "approval_id", "message", "approval_message", "evidence_refs" };

    private PromotionEvidence Read(GateContext? context = null) => ReadPromotionEvidence(context ?? _files.Context());

    internal static PromotionEvidence ReadPromotionEvidence(GateContext c) =>
        PromotionEvidence.Read(c.Files, c.Config.PromotionEvidencePath, c.Config.RuntimePath, c.Config.PolicyPath, c.Clock);

    private static PromotionEvidence FromDocument(JsonFileCheck document, GateContext c) =>
        PromotionEvidence.FromDocument(document, c.Files, c.Config.RuntimePath, c.Config.PolicyPath, c.Clock);

    private PromotionEvidence With(params (string, string?)[] changes)
    {
        _files.Edit(EvidenceSet.Promotion, changes);
        return Read();
    }

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
    private static string Quote(string s) => "\"" + s + "\"";
    private static string At(TimeSpan offset) => Quote(IsoTimestamp.Format(EvidenceSet.Now + offset));

    [Fact]
    public void The_seed_example_is_accepted()
    {
        var e = Read();
        Assert.True(e.Parsed);
        Assert.True(e.Valid, e.Message);
        Assert.True(e.Approved);
        Assert.Equal("cavra.go-backend-promotion-evidence.v1", e.SchemaVersion);
        Assert.Equal(PromotionEvidence.Schema, e.SchemaVersion);
        Assert.Equal("apr_go_backend_promotion", e.ApprovalId);
        Assert.Equal(PromotionEvidence.SuccessMessage, e.Message);
        Assert.Equal("Promotion approval is recorded.", e.ApprovalMessage);
        Assert.Equal(new[] { "go-runtime-parity://ci/238-passed", "go-deployment-readiness://ci/ready" }, e.EvidenceRefs);
        Assert.Equal("pass", e.ParityStatus);
        Assert.Equal("ready", e.DeploymentStatus);
        Assert.Null(e.GeneratedAt);
        Assert.Null(e.ExpiresAt);
        Assert.Null(e.RuntimeSha256);
        Assert.Null(e.PolicySha256);
    }

    [Fact]
    public void A_parsed_file_writes_the_full_shape_and_nothing_else_without_binding_fields()
    {
        var doc = EvidenceSet.Canonical(Read());
        Assert.Equal(ValidShape, EvidenceSet.Keys(doc));
        Assert.True(doc.Get("valid")!.IsTrue);
        Assert.Equal(2, ((JsonArray)doc.Get("evidence_refs")!).Count);
        // an invalid but parsed document keeps the same shape
        Assert.Equal(ValidShape, EvidenceSet.Keys(EvidenceSet.Canonical(With(("parity_status", "\"fail\"")))));
    }

    [Theory]
    [InlineData("missing", "metadata file is missing")]
    [InlineData("unset", "metadata path is not configured")]
    [InlineData("list", "metadata JSON must be an object")]
    public void An_unreadable_file_writes_the_short_shape(string how, string message)
    {
        var p = _files.Parameters();
        if (how == "missing") File.Delete(_files.PromotionEvidencePath);
        if (how == "unset") p.PromotionEvidencePath = "";
        if (how == "list") _files.Write(EvidenceSet.Promotion, "[]");
        var e = Read(_files.Context(p));
        Assert.False(e.Parsed);
        Assert.False(e.Valid);
        Assert.False(e.Approved);
        Assert.Equal(message, e.Message);
        Assert.Equal("promotion evidence is missing or invalid", e.ApprovalMessage);
        var doc = EvidenceSet.Canonical(e);
        Assert.Equal(InvalidShape, EvidenceSet.Keys(doc));
        Assert.Equal("", ((JsonString)doc.Get("schema_version")!).Value);
        Assert.Equal("", ((JsonString)doc.Get("approval_id")!).Value);
        Assert.Equal(0, ((JsonArray)doc.Get("evidence_refs")!).Count);
        Assert.True(doc.Get("approved")!.IsFalse);
    }

    [Fact]
    public void Nested_alternates_are_accepted()
    {
        _files.Write(EvidenceSet.Promotion, """
            {"schema_version": "cavra.go-backend-promotion-evidence.v1",
             "parity": {"status": "pass"}, "deployment": {"status": "ready"},
             "approval": {"status": "approved", "approval_id": "apr_nested"}}
            """);
        var e = Read();
        Assert.True(e.Valid, e.Message);
        Assert.True(e.Approved);
        Assert.Equal("apr_nested", e.ApprovalId);
        Assert.Equal("pass", e.ParityStatus);
        Assert.Equal("ready", e.DeploymentStatus);
        Assert.Empty(e.EvidenceRefs); // absent refs default to []
    }

    [Theory]
    [InlineData("\"fail\"", "{\"status\": \"pass\"}", false)]    // a truthy top-level value wins
    [InlineData("\"\"", "{\"status\": \"pass\"}", true)]          // an empty one falls through
    [InlineData("null", "{\"status\": \"pass\"}", true)]
    [InlineData("1", "{\"status\": \"pass\"}", false)]            // truthy but not text: never "pass"
    [InlineData("true", "{\"status\": \"pass\"}", false)]
    [InlineData("null", "\"pass\"", false)]                        // parity must be an object
    [InlineData("null", "{\"status\": null}", false)]
    [InlineData("[\"pass\"]", "null", false)]
    public void Parity_status_first_truthy_of_top_level_and_nested(string top, string nested, bool valid)
    {
        var e = With(("parity_status", top), ("parity", nested));
        Assert.Equal(valid, e.Valid);
        if (!valid) Assert.Equal("promotion evidence must record parity_status=pass", e.Message);
    }

    [Theory]
    [InlineData("\"ready\"", null, true)]
    [InlineData(null, "{\"status\": \"ready\"}", true)]
    [InlineData("\"READY\"", null, false)]
    [InlineData("null", null, false)]
    [InlineData(null, null, false)]
    [InlineData("null", "[\"ready\"]", false)]
    public void Deployment_status_must_be_ready(string? top, string? nested, bool valid)
    {
        var e = With(("deployment_status", top), ("deployment", nested));
        Assert.Equal(valid, e.Valid);
        if (!valid) Assert.Equal("promotion evidence must record deployment_status=ready", e.Message);
    }

    [Theory]
    [InlineData("true", null, true, true)]
    [InlineData("false", "{\"status\": \"approved\"}", true, true)]
    [InlineData(null, null, false, true)]
    [InlineData(null, "{\"status\": \"APPROVED\"}", false, true)]
    // A field of the wrong type is a problem, not an ignored value: the gate closes on it (types are checked for every field it reads).
    [InlineData("\"true\"", null, false, false)]
    [InlineData("1", null, false, false)]
    [InlineData("null", null, false, false)]
    [InlineData(null, "{\"status\": null}", false, false)]
    [InlineData(null, "\"approved\"", false, false)]
    public void Approved_only_by_json_true_or_approval_status_approved(string? approved, string? approval, bool expected, bool valid)
    {
        var e = With(("approved", approved), ("approval", approval));
        Assert.Equal(expected, e.Approved);
        Assert.Equal(expected ? "Promotion approval is recorded." : "promotion evidence must be approved", e.ApprovalMessage);
        Assert.Equal(valid, e.Valid);
        if (!valid) Assert.Matches("^promotion evidence (approved must be true or false|approval must be an object|approval.status must be a string)$", e.Message);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("1")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("true")]
    public void An_approval_id_of_the_wrong_type_closes_the_gate(string approvalId)
    {
        var e = With(("approval_id", approvalId));
        Assert.False(e.Valid);
        Assert.Equal("promotion evidence approval_id must be a string", e.Message);
        var nested = With(("approval_id", null), ("approval", "{\"status\": \"approved\", \"approval_id\": " + approvalId + "}"));
        Assert.False(nested.Valid);
        Assert.Equal("promotion evidence approval.approval_id must be a string", nested.Message);
        var report = Cavra.Gate.Readiness.PromotionReadinessReport.Evaluate(_files.Context());
        Assert.NotEqual(Cavra.Gate.Readiness.ReportStatus.Ready, report.Status);
    }

    [Theory]
    [InlineData("\"apr_top\"", "{\"approval_id\": \"apr_nested\"}", "apr_top")]
    [InlineData("null", "{\"approval_id\": \"apr_nested\"}", "apr_nested")]
    [InlineData("\"\"", "{\"approval_id\": \"apr_nested\"}", "apr_nested")]
    [InlineData("null", "{\"approval_id\": null}", "")]
    [InlineData("42", "{\"approval_id\": \"apr_nested\"}", "")]
    public void Approval_id_first_truthy_text(string top, string nested, string expected) =>
        Assert.Equal(expected, With(("approval_id", top), ("approval", nested)).ApprovalId);

    [Theory]
    [InlineData("[]", true)]
    [InlineData(null, true)]
    [InlineData("[\"a\", \"b\"]", true)]
    [InlineData("null", false)]
    [InlineData("\"go-runtime-parity://ci\"", false)]
    [InlineData("[1]", false)]
    [InlineData("[\"a\", null]", false)]
    [InlineData("{\"a\": \"b\"}", false)]
    public void Evidence_refs_must_be_a_list_of_strings(string? refs, bool valid)
    {
        var e = With(("evidence_refs", refs));
        Assert.Equal(valid, e.Valid);
        if (!valid)
        {
            Assert.Equal("promotion evidence_refs must be a list of strings", e.Message);
            Assert.Empty(e.EvidenceRefs);
            Assert.Equal(0, ((JsonArray)EvidenceSet.Canonical(e).Get("evidence_refs")!).Count);
        }
    }

    [Theory]
    [InlineData("\"cavra.go-backend-promotion-evidence.v2\"")]
    [InlineData("null")]
    [InlineData("1")]
    [InlineData(null)]
    public void Schema_version_must_match(string? schema)
    {
        var e = With(("schema_version", schema));
        Assert.False(e.Valid);
        Assert.Equal("promotion evidence has an invalid schema_version", e.Message);
    }

    [Fact]
    public void Failure_messages_join_in_upstream_order_then_binding()
    {
        var e = With(("schema_version", "null"), ("parity_status", "null"), ("deployment_status", "null"), ("evidence_refs", "null"),
            ("expires_at", At(TimeSpan.FromDays(-1))));
        Assert.Equal("promotion evidence has an invalid schema_version; promotion evidence must record parity_status=pass; " +
            "promotion evidence must record deployment_status=ready; promotion evidence_refs must be a list of strings; " +
            "promotion evidence has expired (expires_at 2026-11-25T12:00:00+00:00)", e.Message);
        Assert.True(e.Approved);
    }

    // ---- binding (docs/design/evidence.md §2.1) ----

    private (string, string?)[] Bound(TimeSpan? generated = null, TimeSpan? expires = null) => new (string, string?)[]
    {
        ("generated_at", At(generated ?? TimeSpan.FromHours(-1))),
        ("expires_at", At(expires ?? TimeSpan.FromDays(30))),
        ("runtime_sha256", Quote(Sha256Of(_files.RuntimePath))),
        ("policy_sha256", Quote(Sha256Of(_files.PolicyPath))),
    };

    [Fact]
    public void Matching_binding_fields_are_accepted_and_echoed_after_upstreams_keys()
    {
        var e = With(Bound());
        Assert.True(e.Valid, e.Message);
        Assert.Equal(PromotionEvidence.SuccessMessage, e.Message);
        Assert.Equal("2026-11-26T11:00:00+00:00", e.GeneratedAt);
        Assert.Equal("2026-12-26T12:00:00+00:00", e.ExpiresAt);
        Assert.Equal(Sha256Of(_files.RuntimePath), e.RuntimeSha256);
        Assert.Equal(Sha256Of(_files.PolicyPath), e.PolicySha256);
        var doc = EvidenceSet.Canonical(e);
        Assert.Equal(ValidShape.Concat(new[] { "generated_at", "expires_at", "runtime_sha256", "policy_sha256" }), EvidenceSet.Keys(doc));
        Assert.Equal("2026-11-26T11:00:00+00:00", ((JsonString)doc.Get("generated_at")!).Value);
    }

    [Fact]
    public void Only_the_binding_fields_present_are_echoed_in_fixed_order()
    {
        // written in a different order in the file, echoed in upstream's order (docs/design/evidence.md §2)
        var doc = EvidenceSet.Canonical(With(("policy_sha256", Quote(Sha256Of(_files.PolicyPath))), ("expires_at", "\"2027-01-01T00:00:00Z\"")));
        Assert.Equal(ValidShape.Concat(new[] { "expires_at", "policy_sha256" }), EvidenceSet.Keys(doc));
        Assert.Equal("2027-01-01T00:00:00Z", ((JsonString)doc.Get("expires_at")!).Value); // as written
        Assert.True(doc.Get("valid")!.IsTrue);
    }

    [Fact]
    public void Upper_case_hashes_match_case_insensitively()
    {
        var e = With(("runtime_sha256", Quote(Sha256Of(_files.RuntimePath).ToUpperInvariant())), ("policy_sha256", Quote(Sha256Of(_files.PolicyPath).ToUpperInvariant())));
        Assert.True(e.Valid, e.Message);
    }

    [Theory]
    [InlineData(-1)]   // a second ago
    [InlineData(0)]    // exactly now: at or before now is expired
    public void Expired_evidence_is_invalid(int seconds)
    {
        var e = With(Bound(expires: TimeSpan.FromSeconds(seconds)));
        Assert.False(e.Valid);
        Assert.StartsWith("promotion evidence has expired", e.Message);
        Assert.Contains(IsoTimestamp.Format(EvidenceSet.Now.AddSeconds(seconds)), e.Message);
        Assert.True(e.Approved);
    }

    [Fact]
    public void Evidence_expires_as_the_clock_moves_on()
    {
        _files.Edit(EvidenceSet.Promotion, Bound(expires: TimeSpan.FromMinutes(10)));
        var clock = new FakeTimeProvider(EvidenceSet.Now);
        Assert.True(Read(_files.Context(clock: clock)).Valid);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.StartsWith("promotion evidence has expired", Read(_files.Context(clock: clock)).Message);
    }

    [Theory]
    [InlineData(4 * 60, true)]
    [InlineData(5 * 60, true)]
    [InlineData(5 * 60 + 1, false)]
    [InlineData(24 * 3600, false)]
    public void Generated_at_may_not_lie_more_than_five_minutes_in_the_future(int seconds, bool valid)
    {
        var e = With(Bound(generated: TimeSpan.FromSeconds(seconds)));
        Assert.Equal(valid, e.Valid);
        if (!valid) Assert.Equal($"promotion evidence generated_at ({IsoTimestamp.Format(EvidenceSet.Now.AddSeconds(seconds))}) is more than 5 minutes in the future", e.Message);
    }

    [Theory]
    [InlineData("generated_at", "\"yesterday\"")]
    [InlineData("generated_at", "\"2026-13-01T00:00:00Z\"")]
    [InlineData("generated_at", "\"2026-11-26t11:00:00z\"")]
    [InlineData("generated_at", "\"\"")]
    [InlineData("generated_at", "null")]
    [InlineData("generated_at", "1764158400")]
    [InlineData("expires_at", "\"next month\"")]
    [InlineData("expires_at", "null")]
    [InlineData("expires_at", "{}")]
    public void Unparseable_timestamps_are_invalid(string key, string raw)
    {
        var e = With(("schema_version", Quote(PromotionEvidence.Schema)), (key, raw));
        Assert.False(e.Valid);
        Assert.Equal($"promotion evidence {key} is not a valid ISO 8601 timestamp", e.Message);
    }

    [Fact]
    public void Date_only_and_offset_timestamps_parse()
    {
        Assert.True(With(("generated_at", "\"2026-11-26\""), ("expires_at", "\"2026-11-26T14:00:00+01:00\"")).Valid);
        Assert.StartsWith("promotion evidence has expired", With(("expires_at", "\"2026-11-26T12:30:00+01:00\"")).Message);
    }

    [Fact]
    public void A_runtime_hash_for_another_binary_invalidates_the_evidence()
    {
        var e = With(("runtime_sha256", Quote(Convert.ToHexStringLower(SHA256.HashData("another runtime"u8)))));
        Assert.False(e.Valid);
        Assert.Equal("evidence was produced for a different runtime binary", e.Message);
        Assert.Equal(PromotionEvidence.DifferentRuntimeMessage, e.Message);
    }

    [Fact]
    public void A_policy_hash_for_another_policy_invalidates_the_evidence()
    {
        var e = With(("policy_sha256", Quote(Convert.ToHexStringLower(SHA256.HashData("{\"rules\": []}"u8)))));
        Assert.False(e.Valid);
        Assert.Equal("evidence was produced for a different compiled policy", e.Message);
    }

    [Fact]
    public void Rewriting_the_runtime_after_the_evidence_was_produced_invalidates_it()
    {
        _files.Edit(EvidenceSet.Promotion, Bound());
        Assert.True(Read().Valid);
        File.WriteAllText(_files.RuntimePath, "#!/bin/sh\necho '{\"decision\": \"allow\"}'\n");
        Assert.Equal("evidence was produced for a different runtime binary", Read().Message);
    }

    [Fact]
    public void Both_mismatches_are_reported_runtime_first()
    {
        var other = Quote(new string('0', 64));
        Assert.Equal("evidence was produced for a different runtime binary; evidence was produced for a different compiled policy",
            With(("runtime_sha256", other), ("policy_sha256", other)).Message);
    }

    [Fact]
    public void A_hash_cannot_be_verified_when_the_configured_file_is_missing()
    {
        _files.Edit(EvidenceSet.Promotion, Bound());
        File.Delete(_files.RuntimePath);
        Assert.Equal("promotion evidence runtime_sha256 cannot be verified: the runtime binary is missing or unreadable", Read().Message);

        var p = _files.Parameters();
        p.PolicyPath = _files.PackageDir; // a directory has no hash
        Assert.Contains("promotion evidence policy_sha256 cannot be verified: the compiled policy is missing or unreadable", Read(_files.Context(p)).Message);
    }

    [Fact]
    public void A_hash_cannot_be_verified_when_no_file_is_configured()
    {
        _files.Edit(EvidenceSet.Promotion, Bound());
        var p = _files.Parameters();
        p.RuntimePath = "";
        p.PolicyPath = "";
        Assert.Equal("promotion evidence runtime_sha256 cannot be verified: CAVRA_GO_RUNTIME_PATH is not configured; " +
            "promotion evidence policy_sha256 cannot be verified: CAVRA_GO_RUNTIME_POLICY is not configured", Read(_files.Context(p)).Message);
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("[]")]
    [InlineData("\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"")]
    public void A_malformed_hash_is_invalid(string raw)
    {
        var e = With(("runtime_sha256", raw));
        Assert.False(e.Valid);
        Assert.Equal("promotion evidence runtime_sha256 must be a SHA-256 hex digest", e.Message);
        if (raw.StartsWith('"')) Assert.NotNull(e.RuntimeSha256); else Assert.Null(e.RuntimeSha256);
    }

    [Fact]
    public void A_non_string_binding_field_is_echoed_as_written_and_has_no_text()
    {
        var e = With(("expires_at", "null"));
        Assert.Null(e.ExpiresAt);
        var doc = EvidenceSet.Canonical(e);
        Assert.True(doc.Get("expires_at")!.IsNull);
    }

    [Fact]
    public void From_document_validates_an_in_memory_document()
    {
        var ok = JsonFileCheck.Ok(EvidenceSet.Json(EvidenceSet.With(Example, Bound())), "new-evidence.json");
        var e = FromDocument(ok, _files.Context());
        Assert.True(e.Valid, e.Message);
        var bad = FromDocument(JsonFileCheck.Invalid("metadata file is missing", null), _files.Context());
        Assert.False(bad.Valid);
        Assert.False(bad.Parsed);
        Assert.Equal(InvalidShape, EvidenceSet.Keys(EvidenceSet.Canonical(bad)));
        var expired = FromDocument(JsonFileCheck.Ok(EvidenceSet.Json(EvidenceSet.With(Example, ("expires_at", At(TimeSpan.FromDays(-2))))), "x"), _files.Context());
        Assert.StartsWith("promotion evidence has expired", expired.Message);
    }

    [Fact]
    public void A_bom_is_accepted()
    {
        _files.WriteBytes(EvidenceSet.Promotion, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(File.ReadAllBytes(_files.PromotionEvidencePath)).ToArray());
        Assert.True(Read().Valid);
    }
}
