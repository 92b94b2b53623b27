using System;
using System.Collections.Generic;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Time;

namespace Cavra.Gate.Authoring
{
    /// <summary>The outcome of recording one drill: the drill as written and the history it now belongs to.</summary>
    public sealed class RecordedDrill
    {
        internal RecordedDrill(string path, JsonObject drill, RollbackDrillHistory history) { Path = path; Drill = drill; History = history; }
        public string Path { get; }
        public JsonObject Drill { get; }
        public string DrillId => EvidenceFields.Text(Drill, "drill_id");
        public string Status => EvidenceFields.Text(Drill, "status");
        public string ExecutedAt => EvidenceFields.Text(Drill, "executed_at");
        /// <summary>The whole history after the append, as the gate now sees it (valid and fresh?).</summary>
        public RollbackDrillHistory History { get; }
    }

    /// <summary>
    /// Appends drills to a <c>cavra.go-backend-rollback-drill-history.v1</c> file. The read-modify-write runs under a
    /// cross-process lock, so concurrent writers never lose a drill, and the file is replaced atomically.
    /// <para>What is refused (nothing is written): a drill the gate would report a problem with (e.g. dated more than
    /// 5 minutes in the future); an existing file that is not a drill history the gate can read (unparseable, another
    /// schema, no drills list, a drill that is not an object or has a field of the wrong type); a history that records
    /// another environment; a drill_id the history already holds. What is recorded: outcomes. A failed, stale or
    /// too-slow drill is a true record; the returned history summary says whether the gate now passes.</para>
    /// </summary>
    public static class RollbackDrillRecorder
    {
        public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        /// <exception cref="EvidenceRejectedException">Refused; see <see cref="EvidenceRejectedException.Reason"/>. Nothing was written.</exception>
        /// <exception cref="TimeoutException">Another writer held the lock too long.</exception>
        public static RecordedDrill Append(string path, JsonObject drill, string environment, double maxAgeDays, Clock clock, TimeSpan? lockTimeout = null)
        {
            if (drill == null) throw new ArgumentNullException(nameof(drill));
            environment ??= "";
            // The drill on its own: the gate must read it without a problem (its status, fallback, SLA and age are outcomes).
            var alone = RollbackDrillHistory.FromDocument(JsonFileCheck.Ok(NewHistory("", drill).ToJsonObject(), path), maxAgeDays, clock);
            if (alone.Message != RollbackDrillHistory.Texts.Success)
                throw new EvidenceRejectedException("the gate would reject this drill: " + alone.Message, EvidenceRejection.Document);

            var files = new InputFiles();
            using (EvidenceFileLock.Acquire(path, lockTimeout ?? DefaultLockTimeout))
            {
                var document = files.Exists(path) ? AppendTo(path, files.ReadObject(path), drill, environment) : NewHistory(environment, drill);
                var history = RollbackDrillHistory.FromDocument(JsonFileCheck.Ok(document.ToJsonObject(), path), maxAgeDays, clock);
                if (history.SchemaVersion != RollbackDrillHistory.Schema || history.Message != RollbackDrillHistory.Texts.Success)
                    throw Untouched(path, $"the gate would still reject it after the append: {history.Message}", EvidenceRejection.ExistingFile);
                EvidenceFileWriter.Write(path, document);
                return new RecordedDrill(path, drill, history);
            }
        }

        private static EvidenceDocument NewHistory(string environment, JsonObject drill) => new EvidenceDocument()
            .Add("schema_version", RollbackDrillHistory.Schema)
            .AddIfSet("environment", environment)
            .Add("drills", new JsonArray(new List<JsonValue> { drill }));

        private static EvidenceDocument AppendTo(string path, JsonFileCheck existing, JsonObject drill, string environment)
        {
            if (!existing.Valid) throw Untouched(path, existing.Message, EvidenceRejection.ExistingFile);
            var o = existing.Payload;
            if (EvidenceFields.Text(o, "schema_version") != RollbackDrillHistory.Schema)
                throw Untouched(path, $"it is not a rollback drill history (schema_version must be {RollbackDrillHistory.Schema})", EvidenceRejection.ExistingFile);
            if (!(o.Get("drills") is JsonArray drills))
                throw Untouched(path, "it has no drills list", EvidenceRejection.ExistingFile);

            string drillId = EvidenceFields.Text(drill, "drill_id");
            for (int i = 0; i < drills.Count; i++)
            {
                if (!(drills.Items[i] is JsonObject earlier))
                    throw Untouched(path, $"drills[{i}] is not an object", EvidenceRejection.ExistingFile);
                if (drillId.Length > 0 && EvidenceFields.Text(earlier, "drill_id") == drillId)
                    throw Untouched(path, $"it already holds drill {drillId} (drills[{i}])", EvidenceRejection.DuplicateDrillId);
            }

            var document = EvidenceDocument.From(o).Set("drills", new JsonArray(new List<JsonValue>(drills.Items) { drill }));
            if (environment.Length > 0)
            {
                var recorded = o.Get("environment");
                if (recorded == null) document.InsertAfter("schema_version", "environment", new JsonString(environment));
                else if (recorded is JsonString s && s.Value != environment)
                    throw Untouched(path, $"it records environment '{s.Value}', not '{environment}'", EvidenceRejection.EnvironmentMismatch);
            }
            return document;
        }

        private static EvidenceRejectedException Untouched(string path, string why, EvidenceRejection reason) =>
            new EvidenceRejectedException($"drill history {path} was left untouched: {why}", reason);
    }
}
