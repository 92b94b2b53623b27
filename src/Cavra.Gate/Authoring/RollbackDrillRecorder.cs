using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Authoring
{
    /// <summary>The outcome of recording one drill: the drill as written and the history it now belongs to.</summary>
    public sealed class RecordedDrill
    {
        internal RecordedDrill(string path, JsonObject drill, RollbackDrillHistory history, string archivePath = "", int archivedDrills = 0)
        { Path = path; Drill = drill; History = history; ArchivePath = archivePath; ArchivedDrills = archivedDrills; }
        public string Path { get; }
        public JsonObject Drill { get; }
        public string DrillId => EvidenceFields.Text(Drill, "drill_id");
        public string Status => EvidenceFields.Text(Drill, "status");
        public string ExecutedAt => EvidenceFields.Text(Drill, "executed_at");
        /// <summary>The whole history after the append, as the gate now sees it (valid and fresh?).</summary>
        public RollbackDrillHistory History { get; }
        /// <summary>The dated archive file older drills were moved to by this append, or "" when none were.</summary>
        public string ArchivePath { get; }
        public int ArchivedDrills { get; }
    }

    /// <summary>
    /// Appends drills to a <c>cavra.go-backend-rollback-drill-history.v1</c> file. The read-modify-write runs under a
    /// cross-process lock, so concurrent writers never lose a drill, and the file is replaced atomically.
    /// <para>What is refused (nothing is written): a drill the gate would report a problem with (e.g. dated more than
    /// 5 minutes in the future); an existing file that is not a drill history the gate can read (unparseable, another
    /// schema, no drills list, a drill that is not an object or has a field of the wrong type); a history that records
    /// another environment; a drill_id the history already holds. What is recorded: outcomes. A failed, stale or
    /// too-slow drill is a true record; the returned history summary says whether the gate now passes.</para>
    /// <para>A writer never produces a document its own reader refuses: a history that would grow past
    /// <see cref="InputFiles.MaxFileBytes"/> is refused (<see cref="EvidenceRejection.HistoryFull"/>) unless an archive
    /// folder is given; then the oldest drills move to a dated archive file there (written first, never overwritten) and
    /// the history keeps the latest drills within half the limit, so appends go on.</para>
    /// </summary>
    public static class RollbackDrillRecorder
    {
        public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        /// <exception cref="EvidenceRejectedException">Refused; see <see cref="EvidenceRejectedException.Reason"/>. Nothing was written.</exception>
        /// <exception cref="TimeoutException">Another writer held the lock too long.</exception>
        public static RecordedDrill Append(string path, JsonObject drill, string environment, double maxAgeDays, TimeProvider clock, TimeSpan? lockTimeout = null,
            string? archiveDirectory = null)
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
                string archivePath = "";
                int archived = 0;
                if (Utf8Length(document) > InputFiles.MaxFileBytes)
                {
                    if (string.IsNullOrEmpty(archiveDirectory))
                        throw Untouched(path, $"the append would make it larger than {InputFiles.MaxFileBytes / (1024 * 1024)} MiB, which the gate refuses to read; "
                            + "archive older drills (Add-CavraRollbackDrill -ArchivePath <folder> moves them to a dated archive file)", EvidenceRejection.HistoryFull);
                    (document, archivePath, archived) = Archive(path, document, archiveDirectory!, clock);
                }
                var history = RollbackDrillHistory.FromDocument(JsonFileCheck.Ok(document.ToJsonObject(), path), maxAgeDays, clock);
                if (history.SchemaVersion != RollbackDrillHistory.Schema || history.Message != RollbackDrillHistory.Texts.Success)
                    throw Untouched(path, $"the gate would still reject it after the append: {history.Message}", EvidenceRejection.ExistingFile);
                AtomicFileWriter.Write(path, document);
                return new RecordedDrill(path, drill, history, archivePath, archived);
            }
        }

        private static long Utf8Length(EvidenceDocument document) =>
            Encoding.UTF8.GetByteCount(Serialization.CanonicalJsonWriter.Serialize(document) + "\n");

        /// <summary>Moves the oldest drills (by position: appends come last) to a new dated archive history and returns the
        /// history that keeps the rest. The archive is written before the history is replaced: a crash between the two
        /// leaves drills in both files, never in neither.</summary>
        private static (EvidenceDocument Kept, string ArchivePath, int Archived) Archive(string path, EvidenceDocument document, string archiveDirectory, TimeProvider clock)
        {
            var whole = document.ToJsonObject();
            var drills = ((JsonArray)whole.Get("drills")!).Items;
            // The largest number of latest drills within half the limit (size grows with the count: binary search).
            int low = 1, high = drills.Count - 1;
            while (low < high)
            {
                int mid = (low + high + 1) / 2;
                if (Utf8Length(WithDrills(whole, drills, drills.Count - mid, drills.Count)) <= InputFiles.MaxFileBytes / 2) low = mid;
                else high = mid - 1;
            }
            int keep = low;
            var kept = WithDrills(whole, drills, drills.Count - keep, drills.Count);
            if (Utf8Length(kept) > InputFiles.MaxFileBytes)
                throw Untouched(path, "even the new drill alone is larger than the gate reads", EvidenceRejection.HistoryFull);
            int archived = drills.Count - keep;
            string name = System.IO.Path.GetFileNameWithoutExtension(path) + "." + clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string archivePath = System.IO.Path.Combine(System.IO.Path.GetFullPath(archiveDirectory), name + ".json");
            for (int n = 2; File.Exists(archivePath); n++) archivePath = System.IO.Path.Combine(System.IO.Path.GetFullPath(archiveDirectory), $"{name}-{n}.json");
            AtomicFileWriter.Write(archivePath, WithDrills(whole, drills, 0, archived), overwrite: false);
            return (kept, archivePath, archived);
        }

        private static EvidenceDocument WithDrills(JsonObject history, IReadOnlyList<JsonValue> drills, int from, int to)
        {
            var slice = new List<JsonValue>(to - from);
            for (int i = from; i < to; i++) slice.Add(drills[i]);
            return EvidenceDocument.From(history).Set("drills", new JsonArray(slice));
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
