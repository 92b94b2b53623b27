using Cavra.Gate.FileSystem;
using Cavra.Gate.Notifications;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Api;

/// <summary>
/// The read-only drill notification routes (docs/design/notifications.md §12, docs/design/http-api.md §2): the ledger's
/// deliveries and the per-provider recovery state the gate check judges. The ledger is read anew for every request and
/// nothing is written; the connector config, which holds the secrets, is never read here.
/// </summary>
public static class NotificationRoutes
{
    public const string DeliveriesPath = "/runtime/go-pilot/rollback-drill-notifications/deliveries";
    public const string RecoveryPath = "/runtime/go-pilot/rollback-drill-notifications/recovery";
    public const string RecoverySchema = "cavra.go-backend-rollback-drill-connector-recovery.v1";

    public static readonly IReadOnlyList<(string Path, Func<GateContext, ICanonicalJson> Body)> All = new (string, Func<GateContext, ICanonicalJson>)[]
    {
        (DeliveriesPath, c => new Deliveries(Read(c))),
        (RecoveryPath, c => new Recovery(Read(c), c.Clock.GetUtcNow())),
    };

    /// <summary>The ledger named by notification_ledger_path / CAVRA_GO_NOTIFICATION_LEDGER, or null when none is configured.</summary>
    private static NotificationLedgerContents? Read(GateContext context)
    {
        string path = context.Config.NotificationLedgerPath;
        return path.Length == 0 ? null : NotificationLedger.Read(context.Files, path);
    }

    private static void Common(CanonicalJsonWriter w, NotificationLedgerContents? ledger)
    {
        w.Property("ledger_configured", ledger != null).Property("ledger_exists", ledger?.Exists ?? false);
        w.Name("problems").StartArray();
        foreach (var p in ledger?.Problems ?? new List<NotificationLedgerProblem>())
            w.StartObject().Property("line", p.LineNumber).Property("message", p.Message).EndObject();
        w.EndArray();
    }

    /// <summary>Upstream's delivery result (<c>cavra.connector.delivery.v1</c>): every delivery record, in ledger order.</summary>
    private sealed class Deliveries(NotificationLedgerContents? ledger) : ICanonicalJson
    {
        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject().Property("schema_version", DeliveryRecord.Schema);
            Common(w, ledger);
            w.Name("deliveries").StartArray();
            foreach (var d in ledger?.Deliveries ?? new List<DeliveryRecord>()) d.WriteJson(w);
            w.EndArray().EndObject();
        }
    }

    /// <summary>One row per provider. <c>recovered</c> fails closed: it needs a configured, readable ledger with no open failure.</summary>
    private sealed class Recovery(NotificationLedgerContents? ledger, DateTimeOffset now) : ICanonicalJson
    {
        public void WriteJson(CanonicalJsonWriter w)
        {
            var states = ledger == null ? Array.Empty<ConnectorRecoveryState>() : ConnectorRecoveryState.Compute(ledger, now);
            w.StartObject().Property("schema_version", RecoverySchema).Property("generated_at", IsoTimestamp.Format(now));
            w.Property("recovered", ledger != null && ledger.Valid && states.All(s => s.Recovered));
            w.Property("open_failures", states.Sum(s => s.OpenFailures));
            Common(w, ledger);
            w.Name("providers").StartArray();
            foreach (var s in states) s.WriteJson(w);
            w.EndArray().EndObject();
        }
    }
}
