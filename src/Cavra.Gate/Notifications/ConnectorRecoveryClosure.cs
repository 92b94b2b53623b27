using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Notifications
{
    /// <summary>
    /// Evidence that a provider's outage was dealt with (docs/design/notifications.md §8). Only <c>resolved</c> and
    /// <c>mitigated</c> close: they cover the provider's failures recorded before <see cref="ClosedAt"/>. Stricter than
    /// upstream (§10): a closure must cite at least one <c>delivered</c> retry execution of the same provider whose hash
    /// verifies (<see cref="Verify"/>).
    /// </summary>
    public sealed class ConnectorRecoveryClosure : INotificationRecord
    {
        public const string Schema = "cavra.go-backend-rollback-drill-notification-connector-recovery-closure.v1";
        public const string IdPrefix = "gordackrecoveryclosure-";
        public static readonly IReadOnlyList<string> States = new[] { "resolved", "mitigated", "deferred", "escalated", "reopened" };

        public ConnectorRecoveryClosure(string closureId, string provider, string closureState, string closedBy, string closedAt, string externalRef,
            IReadOnlyList<string> verificationRefs, string closureHash)
        {
            ClosureId = DeliveryRecord.Required(closureId, nameof(closureId));
            Provider = DeliveryRecord.Required(provider, nameof(provider));
            ClosureState = DeliveryRecord.OneOf(closureState, States, nameof(closureState), "closure state");
            ClosedBy = DeliveryRecord.Required(closedBy, nameof(closedBy));
            ClosedAt = DeliveryRecord.Required(closedAt, nameof(closedAt));
            ExternalRef = externalRef ?? "";
            VerificationRefs = verificationRefs ?? Array.Empty<string>();
            ClosureHash = closureHash ?? "";
        }

        public static ConnectorRecoveryClosure Create(string provider, string closureState, string closedBy, DateTimeOffset closedAt,
            IReadOnlyList<string> verificationRefs, string externalRef = "")
        {
            string at = IsoTimestamp.Format(closedAt);
            verificationRefs ??= Array.Empty<string>();
            return new ConnectorRecoveryClosure(ComputeId(provider, closureState, closedBy, at), provider, closureState, closedBy, at, externalRef ?? "",
                verificationRefs, ComputeHash(provider, closureState, closedBy, at, externalRef ?? "", verificationRefs));
        }

        public static string ComputeId(string provider, string closureState, string closedBy, string closedAt) => NotificationRecords.Id(IdPrefix, new[]
        {
            NotificationRecords.F("provider", provider ?? ""), NotificationRecords.F("closure_state", closureState ?? ""),
            NotificationRecords.F("closed_by", closedBy ?? ""), NotificationRecords.F("closed_at", closedAt ?? ""),
        });

        /// <summary>SHA-256 of the sorted-key JSON of provider, closure_state, closed_by, closed_at, external_ref and verification_refs.</summary>
        public static string ComputeHash(string provider, string closureState, string closedBy, string closedAt, string externalRef,
            IReadOnlyList<string> verificationRefs) => NotificationRecords.Sha256(new[]
        {
            NotificationRecords.F("provider", provider ?? ""), NotificationRecords.F("closure_state", closureState ?? ""),
            NotificationRecords.F("closed_by", closedBy ?? ""), NotificationRecords.F("closed_at", closedAt ?? ""),
            NotificationRecords.F("external_ref", externalRef ?? ""), NotificationRecords.F("verification_refs", verificationRefs ?? Array.Empty<string>()),
        });

        public string RecordType => NotificationRecords.ClosureType;
        public string ClosureId { get; }
        public string Provider { get; }
        /// <summary>resolved, mitigated, deferred, escalated or reopened.</summary>
        public string ClosureState { get; }
        public string ClosedBy { get; }
        public string ClosedAt { get; }
        public string ExternalRef { get; }
        /// <summary>Execution ids of the delivered retries that show the provider works again.</summary>
        public IReadOnlyList<string> VerificationRefs { get; }
        public string ClosureHash { get; }

        /// <summary>True for resolved and mitigated: the provider's earlier failures are closed.</summary>
        public bool Closes => IsClosing(ClosureState);

        public static bool IsClosing(string closureState) => closureState == "resolved" || closureState == "mitigated";

        /// <summary>True when both the id and the hash are the ones the record's fields give.</summary>
        public bool HashValid =>
            ClosureId == ComputeId(Provider, ClosureState, ClosedBy, ClosedAt)
            && ClosureHash == ComputeHash(Provider, ClosureState, ClosedBy, ClosedAt, ExternalRef, VerificationRefs);

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("record_type", RecordType)
            .Property("schema_version", Schema)
            .Property("closure_id", ClosureId)
            .Property("provider", Provider)
            .Property("closure_state", ClosureState)
            .Property("closed_by", ClosedBy)
            .Property("closed_at", ClosedAt)
            .Property("external_ref", ExternalRef)
            .Property("verification_refs", VerificationRefs)
            .Property("closure_hash", ClosureHash)
            .EndObject();

        public static ConnectorRecoveryClosure FromJson(JsonObject o)
        {
            Fields.Kind(o, NotificationRecords.ClosureType, Schema);
            return new ConnectorRecoveryClosure(Fields.NonEmpty(o, "closure_id"), Fields.NonEmpty(o, "provider"), Fields.OneOf(o, "closure_state", States),
                Fields.NonEmpty(o, "closed_by"), Fields.Time(o, "closed_at"), Fields.Text(o, "external_ref"), Fields.Strings(o, "verification_refs"),
                Fields.NonEmpty(o, "closure_hash"));
        }

        /// <summary>
        /// Why a closure of <paramref name="provider"/> citing <paramref name="verificationRefs"/> must be refused, or null when
        /// it may be recorded: at least one ref, and every ref the id of an execution in the ledger that is a
        /// <c>delivered</c> retry of the same provider whose id and hash verify and that ran under its approval
        /// (<see cref="RetryExecutionRecord.DeliveredEvidenceProblem"/>) (docs/design/notifications.md §8).
        /// </summary>
        public static string? Verify(NotificationLedgerContents ledger, string provider, IReadOnlyList<string> verificationRefs)
        {
            if (ledger == null) throw new ArgumentNullException(nameof(ledger));
            var refs = new List<string>();
            foreach (var r in verificationRefs ?? Array.Empty<string>()) if (!string.IsNullOrWhiteSpace(r)) refs.Add(r.Trim());
            if (string.IsNullOrEmpty(provider)) return "a closure must name the provider it closes";
            if (refs.Count == 0)
                return $"a closure of {provider} must cite at least one delivered retry execution of {provider} (-VerificationRef <execution id>)";
            var unknown = new List<string>();
            var notUsable = new List<string>();
            bool verified = false;
            foreach (var r in refs)
            {
                var e = ledger.Execution(r);
                if (e == null) { unknown.Add(r); continue; }
                string? problem = e.Provider != provider ? $"a retry to {e.Provider}, not {provider}" : e.DeliveredEvidenceProblem(ledger);
                if (problem != null) notUsable.Add($"{r} ({problem})");
                else verified = true;
            }
            if (unknown.Count > 0)
                return $"the ledger {ledger.Path} holds no retry execution {string.Join(", ", unknown)}; a closure may cite only recorded executions";
            // Every cited ref must be what it is cited as: a failed or skipped retry shows nothing recovered.
            if (notUsable.Count > 0 || !verified)
                return $"a closure of {provider} may cite only delivered retry executions of {provider} that verify: {string.Join("; ", notUsable)}";
            return null;
        }

        public override string ToString() => $"{ClosureId} {ClosureState} {Provider}";
    }
}
