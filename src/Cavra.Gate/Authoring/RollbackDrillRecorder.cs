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
    /// cross-process lock, so concurrent writers never lose a drill; an existing file the gate cannot read as a drill
    /// history is never overwritten.
    /// </summary>
    public static class RollbackDrillRecorder
    {
        public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        /// <exception cref="EvidenceRejectedException">The existing file is not a readable drill history.</exception>
        /// <exception cref="TimeoutException">Another writer held the lock too long.</exception>
        public static RecordedDrill Append(string path, JsonObject drill, string environment, double maxAgeDays, Clock clock, TimeSpan? lockTimeout = null)
        {
            var files = new InputFiles();
            using (EvidenceFileLock.Acquire(path, lockTimeout ?? DefaultLockTimeout))
            {
                EvidenceDocument document;
                if (files.FileExists(path) || files.Exists(path))
                {
                    var existing = files.ReadObject(path);
                    if (!existing.Valid) throw new EvidenceRejectedException($"existing drill history {path} is invalid and was left untouched: {existing.Message}");
                    if (EvidenceFields.Text(existing.Payload, "schema_version") != RollbackDrillHistory.Schema)
                        throw new EvidenceRejectedException($"existing file {path} is not a rollback drill history (schema_version must be {RollbackDrillHistory.Schema}); it was left untouched");
                    if (!(existing.Payload.Get("drills") is JsonArray drills))
                        throw new EvidenceRejectedException($"existing drill history {path} has no drills list; it was left untouched");
                    foreach (var item in drills.Items)
                        if (!(item is JsonObject)) throw new EvidenceRejectedException($"existing drill history {path} has a drill that is not an object; it was left untouched");
                    var appended = new List<JsonValue>(drills.Items) { drill };
                    document = EvidenceDocument.From(existing.Payload).Set("drills", new JsonArray(appended));
                }
                else
                {
                    document = new EvidenceDocument().Add("schema_version", RollbackDrillHistory.Schema).AddIfSet("environment", environment)
                        .Add("drills", new JsonArray(new List<JsonValue> { drill }));
                }

                var history = RollbackDrillHistory.FromDocument(JsonFileCheck.Ok(document.ToJsonObject(), path), maxAgeDays, clock);
                if (history.SchemaVersion != RollbackDrillHistory.Schema)
                    throw new EvidenceRejectedException("the drill history would not be readable by the gate: " + history.Message);
                EvidenceFileWriter.Write(path, document);
                return new RecordedDrill(path, drill, history);
            }
        }
    }
}
