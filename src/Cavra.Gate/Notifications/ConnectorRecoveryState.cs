using System;
using System.Collections.Generic;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Notifications
{
    /// <summary>
    /// Whether a live retry of one failed delivery to one provider is authorized now (docs/design/notifications.md §7).
    /// Stricter than upstream (§10): only decisions for the same (delivery id, provider) scope count, the latest of them
    /// wins, so a later denial, deferral or expiry revokes an approval, and an approval lapses at its <c>expires_at</c>.
    /// "Latest" is the last line in the ledger: it is append-only, so line order is the order decisions were recorded,
    /// whatever the clocks of the hosts that wrote them said. An approval dated more than <see cref="Times.FutureSkew"/>
    /// ahead of now does not authorize (it would outlive its lifetime).
    /// </summary>
    public sealed class RetryAuthorization
    {
        private RetryAuthorization(bool authorized, RetryApprovalDecision? decision, string reason)
        { Authorized = authorized; Decision = decision; Reason = reason; }

        public bool Authorized { get; }
        /// <summary>The latest decision for the scope, or null when none was recorded.</summary>
        public RetryApprovalDecision? Decision { get; }
        /// <summary>One sentence: why the retry may or may not run.</summary>
        public string Reason { get; }

        public static RetryAuthorization Evaluate(NotificationLedgerContents ledger, string deliveryId, string provider, DateTimeOffset now)
        {
            if (ledger == null) throw new ArgumentNullException(nameof(ledger));
            var latest = Latest(ledger, deliveryId, provider);
            string scope = $"delivery {deliveryId} to {provider}";
            if (latest == null)
                return new RetryAuthorization(false, null, $"no retry approval is recorded for {scope}");
            if (!latest.IdValid)
                return new RetryAuthorization(false, latest, $"the latest decision for {scope} ({latest.DecisionId}) does not match its fields: the line was edited");
            if (latest.ApprovalState != "approved")
                return new RetryAuthorization(false, latest,
                    $"the latest decision for {scope} is {latest.ApprovalState} ({latest.DecisionId}, by {latest.DecidedBy} at {latest.DecidedAt})");
            if (Times.Parse(latest.DecidedAt) > now + Times.FutureSkew)
                return new RetryAuthorization(false, latest,
                    $"the approval {latest.DecisionId} for {scope} is dated {latest.DecidedAt}, in the future; record a new approval to retry");
            if (!IsoTimestamp.TryParse(latest.ExpiresAt, out var expires) || now >= expires)
                return new RetryAuthorization(false, latest,
                    $"the approval {latest.DecisionId} for {scope} expired at {latest.ExpiresAt}; record a new approval to retry");
            return new RetryAuthorization(true, latest,
                $"approved by {latest.DecidedBy} at {latest.DecidedAt} ({latest.DecisionId}), valid until {latest.ExpiresAt}");
        }

        /// <summary>The latest decision (the last line) for the (delivery id, provider) scope, or null.</summary>
        public static RetryApprovalDecision? Latest(NotificationLedgerContents ledger, string deliveryId, string provider)
        {
            if (ledger == null) throw new ArgumentNullException(nameof(ledger));
            return ledger.LatestDecision(deliveryId ?? "", provider ?? "");
        }
    }

    /// <summary>
    /// One provider's recovery state, from the ledger (docs/design/notifications.md §9). A failed delivery (not itself a
    /// retry) stays open until a <c>delivered</c> retry execution of it that verifies and ran under its approval is recorded, or a closing
    /// closure (resolved, mitigated) of its provider whose hash and verification refs verify, dated at or after the failure,
    /// is recorded and not followed by a <c>reopened</c> closure. A failure after the closure is open again.
    /// </summary>
    public sealed class ConnectorRecoveryState : ICanonicalJson
    {
        private ConnectorRecoveryState(string provider) { Provider = provider; }

        public string Provider { get; }
        /// <summary>Deliveries to the provider (first sends and retries).</summary>
        public int Deliveries { get; private set; }
        /// <summary>Failed first sends (retries not counted again).</summary>
        public int Failures { get; private set; }
        public int OpenFailures => OpenDeliveryIds.Count;
        /// <summary>The open failures' delivery ids, in ledger order.</summary>
        public List<string> OpenDeliveryIds { get; } = new List<string>();
        /// <summary>Open failures that hold a current approval: a live retry may run now.</summary>
        public int ApprovedRetries { get; private set; }
        /// <summary>Open failures without a current approval (none, denied, deferred, expired): a retry would be refused.</summary>
        public int UnapprovedRetries { get; private set; }
        /// <summary>Retry execution records (delivered, failed and skipped).</summary>
        public int Executions { get; private set; }
        /// <summary>Delivered retry executions whose id and hash verify and that ran under their approval.</summary>
        public int DeliveredExecutions { get; private set; }
        /// <summary>The latest closure's state, or "" when the provider has none.</summary>
        public string ClosureState { get; private set; } = "";
        public string ClosureId { get; private set; } = "";
        /// <summary>When the latest failed delivery (first send or retry) was attempted, or "".</summary>
        public string LatestFailureAt { get; private set; } = "";
        public bool Recovered => OpenFailures == 0;

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("provider", Provider)
            .Property("deliveries", Deliveries)
            .Property("failures", Failures)
            .Property("open_failures", OpenFailures)
            .Property("open_delivery_ids", OpenDeliveryIds)
            .Property("approved_retries", ApprovedRetries)
            .Property("unapproved_retries", UnapprovedRetries)
            .Property("executions", Executions)
            .Property("delivered_executions", DeliveredExecutions)
            .Property("closure_state", ClosureState)
            .Property("closure_id", ClosureId)
            .Property("latest_failure_at", LatestFailureAt)
            .Property("recovered", Recovered)
            .EndObject();

        public override string ToString() => $"{Provider}: {OpenFailures} open failure(s)";

        /// <summary>One state per provider seen anywhere in the ledger, in ordinal order of provider.</summary>
        public static IReadOnlyList<ConnectorRecoveryState> Compute(NotificationLedgerContents ledger, DateTimeOffset now)
        {
            if (ledger == null) throw new ArgumentNullException(nameof(ledger));
            var states = new SortedDictionary<string, ConnectorRecoveryState>(StringComparer.Ordinal);
            ConnectorRecoveryState Of(string provider)
            {
                if (!states.TryGetValue(provider, out var s)) states[provider] = s = new ConnectorRecoveryState(provider);
                return s;
            }

            // A retry's delivery names the delivery it repeats; executions may name either, so every id maps to its first send.
            var byId = new Dictionary<string, DeliveryRecord>(StringComparer.Ordinal);
            foreach (var d in ledger.Deliveries) byId[d.DeliveryId] = d;
            string Root(string id)
            {
                for (int hops = 0; hops < 64 && byId.TryGetValue(id, out var d) && d.RetryOf.Length > 0; hops++) id = d.RetryOf;
                return id;
            }

            var retried = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in ledger.Executions)
            {
                var s = Of(e.Provider);
                s.Executions++;
                if (e.DeliveredEvidenceProblem(ledger) == null)
                {
                    s.DeliveredExecutions++;
                    retried.Add(e.Provider + "\n" + Root(e.DeliveryId));
                }
            }

            // Per provider, in ledger order (the ledger is append-only, so a later line is a later decision whatever clock
            // wrote it): a closing closure that verifies covers failures up to its closed_at; a 'reopened' line undoes every
            // closure before it; deferred and escalated neither close nor undo. A closure dated in the future covers nothing.
            var closedUntil = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var c in ledger.Closures)
            {
                var s = Of(c.Provider);
                s.ClosureState = c.ClosureState;
                s.ClosureId = c.ClosureId;
                if (c.ClosureState == "reopened") { closedUntil.Remove(c.Provider); continue; }
                if (!c.Closes || !c.HashValid || ConnectorRecoveryClosure.Verify(ledger, c.Provider, c.VerificationRefs) != null) continue;
                var at = Times.Parse(c.ClosedAt);
                if (at > now + Times.FutureSkew) continue;
                if (!closedUntil.TryGetValue(c.Provider, out var u) || at > u) closedUntil[c.Provider] = at;
            }

            foreach (var d in ledger.Deliveries)
            {
                var s = Of(d.Provider);
                s.Deliveries++;
                if (d.Success) continue;
                if (s.LatestFailureAt.Length == 0 || Times.Parse(d.AttemptedAt) > Times.Parse(s.LatestFailureAt))
                    s.LatestFailureAt = d.AttemptedAt;
                if (d.RetryOf.Length > 0) continue; // a failed retry leaves its first send open; it is not a second failure
                s.Failures++;
                if (retried.Contains(d.Provider + "\n" + d.DeliveryId)) continue;
                if (closedUntil.TryGetValue(d.Provider, out var until) && Times.Parse(d.AttemptedAt) <= until) continue;
                s.OpenDeliveryIds.Add(d.DeliveryId);
                if (RetryAuthorization.Evaluate(ledger, d.DeliveryId, d.Provider, now).Authorized) s.ApprovedRetries++;
                else s.UnapprovedRetries++;
            }
            foreach (var d in ledger.Decisions) Of(d.Provider);
            return new List<ConnectorRecoveryState>(states.Values);
        }
    }

    internal static class Times
    {
        /// <summary>The instant a record's timestamp names; records read from a ledger always have one (FromJson checks).</summary>
        public static DateTimeOffset Parse(string text) => IsoTimestamp.TryParse(text, out var t) ? t : DateTimeOffset.MinValue;

        /// <summary>How far ahead of the gate's clock a record may be dated and still count (the drill recorder's tolerance).</summary>
        public static readonly TimeSpan FutureSkew = Evidence.RollbackDrillHistory.MaxFutureSkew;
    }
}
