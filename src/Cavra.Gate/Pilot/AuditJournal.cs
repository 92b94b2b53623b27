using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Cavra.Gate.Authoring;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// The shadow journal: one compact JSON line per evaluation, hash-chained so an edited, missing, inserted or reordered
    /// line is detected (docs/design/measured-parity.md, "Journal"). The first line of a file is a header (schema, journal
    /// id, host, start time); every later line begins with <c>prev</c>, the SHA-256 of the previous line's bytes.
    /// <para>Group commit: <see cref="Append"/> only queues the line. Queued lines are written together, in one write
    /// followed by an fsync, every <see cref="CommitInterval"/> (on a timer), when the queue grows past
    /// <see cref="MaxBatchBytes"/>, on <see cref="Flush"/> and on <see cref="Close"/>. A power cut loses at most the lines
    /// of the last interval; a batch cut short by one is trimmed back to its last whole line by the next writer, so the
    /// journal never keeps a torn line. Each commit holds the cross-process <c>&lt;journal&gt;.lock</c>
    /// (<see cref="EvidenceFileLock"/>) while it reads the last line's hash and appends, so concurrent writers, threads or
    /// processes, keep one valid chain and never interleave lines.</para>
    /// </summary>
    public sealed class AuditJournal : IDisposable
    {
        public const string Schema = "cavra.powershell.pilot-journal.v2";
        public static readonly TimeSpan DefaultCommitInterval = TimeSpan.FromMilliseconds(250);
        public const int MaxBatchBytes = 1024 * 1024;

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private static readonly byte[] PrevPrefix = Utf8.GetBytes("{\"prev\":\"");

        private readonly object _queueLock = new object();
        private readonly object _commitLock = new object();
        private List<byte[]> _queue = new List<byte[]>();
        private int _queuedBytes;
        private readonly Timer? _timer;
        private Exception? _backgroundFailure;
        private bool _disposed;

        /// <param name="path">The journal file; created with its header on the first commit.</param>
        /// <param name="commitInterval">How long a queued line may wait for its commit; zero commits every line at once.</param>
        public AuditJournal(string path, TimeSpan? commitInterval = null, string? host = null, string? moduleVersion = null)
        {
            Path = System.IO.Path.GetFullPath(path);
            CommitInterval = commitInterval ?? DefaultCommitInterval;
            Host = host ?? SafeMachineName();
            ModuleVersion = moduleVersion ?? DefaultModuleVersion;
            if (CommitInterval > TimeSpan.Zero)
                _timer = new Timer(_ => CommitInBackground(), null, CommitInterval, CommitInterval);
        }

        public string Path { get; }
        public TimeSpan CommitInterval { get; }
        public string Host { get; }
        public string ModuleVersion { get; }
        /// <summary>How long a commit waits for another writer's lock before it fails.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Lines written so far by this writer.</summary>
        public long LinesWritten { get; private set; }
        /// <summary>Bytes written so far by this writer (entries and any header, with their newlines).</summary>
        public long BytesWritten { get; private set; }

        /// <summary>This assembly's version (major.minor.patch), as recorded on every line.</summary>
        public static string DefaultModuleVersion { get; } = typeof(AuditJournal).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        /// <summary>
        /// Queues the record's line. Throws the failure of an earlier background commit (the queued lines are kept and
        /// retried), so a journal that cannot be written stops the pipeline instead of silently dropping lines.
        /// </summary>
        public void Append(EvaluationRecord record)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            ThrowBackgroundFailure();
            byte[] body = Utf8.GetBytes(Body(record, Host, ModuleVersion));
            bool commitNow;
            lock (_queueLock)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(AuditJournal));
                _queue.Add(body);
                _queuedBytes += body.Length;
                // The first line commits at once, so a journal that cannot be written stops the pipeline on its first action.
                commitNow = _timer == null || _queuedBytes >= MaxBatchBytes || LinesWritten == 0;
            }
            if (commitNow) Commit();
        }

        /// <summary>Commits every queued line now (one write and one fsync) on the caller's thread.</summary>
        public void Flush()
        {
            ThrowBackgroundFailure();
            Commit();
        }

        /// <summary>Best effort: <see cref="Close"/>, without throwing (a pipeline that failed or was stopped).</summary>
        public void Dispose()
        {
            try { Close(); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is TimeoutException) { }
        }

        /// <summary>Stops the timer and commits what is queued. Throws when that final commit fails.</summary>
        public void Close()
        {
            lock (_queueLock)
            {
                if (_disposed) return;
                _disposed = true;
            }
            _timer?.Dispose();
            Commit();
        }

        private void ThrowBackgroundFailure()
        {
            var failure = Interlocked.Exchange(ref _backgroundFailure, null);
            if (failure != null) throw new IOException($"the journal {Path} could not be written: {failure.Message}", failure);
        }

        private void CommitInBackground()
        {
            try { Commit(); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is TimeoutException)
            {
                Interlocked.CompareExchange(ref _backgroundFailure, ex, null);
            }
        }

        private void Commit()
        {
            lock (_commitLock)
            {
                List<byte[]> batch;
                lock (_queueLock)
                {
                    if (_queue.Count == 0) return;
                    batch = _queue;
                    _queue = new List<byte[]>();
                    _queuedBytes = 0;
                }
                try
                {
                    Write(batch);
                }
                catch
                {
                    // Keep the lines, in order, ahead of anything queued since: nothing is lost while the caller retries.
                    lock (_queueLock)
                    {
                        batch.AddRange(_queue);
                        _queue = batch;
                        _queuedBytes = 0;
                        foreach (var b in _queue) _queuedBytes += b.Length;
                    }
                    throw;
                }
            }
        }

        private void Write(List<byte[]> batch)
        {
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            // Appends go to a regular file only (links followed): opening a FIFO for writing would block until a reader
            // comes, and a device is not a journal (docs/design/file-system-rules.md).
            string full = System.IO.Path.GetFullPath(Path);
            var kind = Cavra.Gate.FileSystem.FileKinds.Of(full);
            if (kind != Cavra.Gate.FileSystem.FileKind.Missing && kind != Cavra.Gate.FileSystem.FileKind.Regular)
                throw new Cavra.Gate.FileSystem.NotARegularFileException(full, kind);
            using (EvidenceFileLock.Acquire(Path, LockTimeout))
            // Shared with readers (Get-CavraGoPilotJournal may be reading); writers exclude each other through the lock file.
            using (var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1))
            using (var sha = SHA256.Create())
            {
                byte[]? previous = LastLineHash(stream, sha);
                var output = new MemoryStream(batch.Count * 1100 + 256);
                int lines = 0;
                if (previous == null)
                {
                    byte[] header = Utf8.GetBytes(Header(NewJournalId(), Host, ModuleVersion, DateTimeOffset.UtcNow));
                    output.Write(header, 0, header.Length);
                    output.WriteByte((byte)'\n');
                    previous = sha.ComputeHash(header);
                    lines++;
                }
                var hex = new byte[64];
                foreach (var body in batch)
                {
                    long start = output.Position;
                    output.Write(PrevPrefix, 0, PrevPrefix.Length);
                    HexBytes(previous, hex);
                    output.Write(hex, 0, hex.Length);
                    output.WriteByte((byte)'"');
                    // The body is a whole object "{...}": join it after prev, as "," + its members.
                    if (body.Length > 2) output.WriteByte((byte)',');
                    output.Write(body, 1, body.Length - 1);
                    previous = sha.ComputeHash(output.GetBuffer(), (int)start, (int)(output.Position - start));
                    output.WriteByte((byte)'\n');
                    lines++;
                }
                stream.Seek(0, SeekOrigin.End);
                stream.Write(output.GetBuffer(), 0, (int)output.Length);
                stream.Flush(true);
                LinesWritten += lines;
                BytesWritten += output.Length;
            }
        }

        /// <summary>
        /// The SHA-256 of the file's last whole line, or null when the file has no line yet (a header is due). A tail after
        /// the last newline is a batch a power cut tore: it is cut off here, under the lock, before anything is appended.
        /// </summary>
        private static byte[]? LastLineHash(FileStream stream, SHA256 sha)
        {
            long length = stream.Length;
            if (length == 0) return null;
            long lineEnd = FileTail.LastIndexOf(stream, (byte)'\n', length, Changed); // the newline that ends the last whole line
            if (lineEnd < 0)
            {
                stream.SetLength(0); // no whole line at all: only a torn first batch
                return null;
            }
            long lineStart = FileTail.LastIndexOf(stream, (byte)'\n', lineEnd, Changed) + 1;
            if (lineEnd + 1 < length) stream.SetLength(lineEnd + 1);
            var line = new byte[lineEnd - lineStart];
            stream.Seek(lineStart, SeekOrigin.Begin);
            FileTail.ReadExactly(stream, line, line.Length, Changed);
            return sha.ComputeHash(line);
        }

        private const string Changed = "the journal changed while it was being appended to";

        private static void HexBytes(byte[] hash, byte[] hex)
        {
            const string Digits = "0123456789abcdef";
            for (int i = 0; i < hash.Length; i++)
            {
                hex[2 * i] = (byte)Digits[hash[i] >> 4];
                hex[2 * i + 1] = (byte)Digits[hash[i] & 0xF];
            }
        }

        /// <summary>The header line that starts a journal file (no newline).</summary>
        public static string Header(string journalId, string host, string moduleVersion, DateTimeOffset startedAt)
        {
            var w = new CanonicalJsonWriter(indented: false);
            w.StartObject()
                .Property("journal_schema", Schema)
                .Property("journal_id", journalId)
                .Property("host", host)
                .Property("module_version", moduleVersion)
                .Property("started_at", startedAt)
                .EndObject();
            return w.ToString();
        }

        /// <summary>
        /// A record's line without <c>prev</c> (which is only known at commit). Compact, by three rules the reader undoes:
        /// a string member whose value is "" is left out; the effective decision is not repeated (it is the built-in one
        /// unless <c>selected_backend</c> is go) and the built-in decision leaves out the members that repeat the request;
        /// Go's decision lists only the members of Go's answer that differ from the built-in decision's (a member it omits
        /// is equal), and leaves out <c>evidence_refs</c> when it is the usual <c>evidence://session/decision_id</c>.
        /// </summary>
        public static string Body(EvaluationRecord record, string host, string moduleVersion)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            var inputs = record.Inputs ?? EvaluationInputs.None;
            var d = record.DotnetDecision;
            var w = new CanonicalJsonWriter(indented: false);
            w.StartObject()
                .Property("evaluation_id", record.EvaluationId)
                .Property("evaluated_at", record.EvaluatedAt)
                .Property("host", host)
                .Property("module_version", moduleVersion);
            Text(w, "transport", record.GoTransport);
            Text(w, "runtime_sha256", inputs.RuntimeSha256);
            Text(w, "policy_sha256", inputs.PolicySha256);
            Text(w, "registry_sha256", inputs.RegistrySha256);
            w.Property("request", StrictJsonParser.Parse(record.Request.ToRuntimeJson()))
                .Property("backend_mode", record.BackendMode)
                .Property("selected_backend", record.SelectedBackend)
                .Property("fallback_used", record.FallbackUsed);
            Text(w, "fallback_reason", record.FallbackReason);
            w.Property("parity_match", record.ParityMatch);
            Text(w, "go_failure", record.GoFailure);
            w.Name("dotnet_decision").StartObject()
                .Property("decision", d.Verdict)
                .Property("rule_id", d.RuleId)
                .Property("severity", d.Severity);
            Text(w, "reason", d.Reason);
            Text(w, "policy_pack", d.PolicyPack);
            Text(w, "approver_group", d.ApproverGroup);
            w.Property("decision_id", d.DecisionId)
                .Property("timestamp", d.Timestamp)
                .Property("correlation_id", d.CorrelationId)
                .EndObject()
                .Property("go_decision", record.GoDecision == null ? null : GoDelta(record.GoDecision, d));
            if (record.GoDuration.HasValue) w.Property("go_duration_ms", Math.Round(record.GoDuration.Value.TotalMilliseconds, 3));
            if (record.Readiness != null) w.Property("readiness", record.Readiness);
            if (record.PromotionReadiness != null) w.Property("promotion_readiness", record.PromotionReadiness);
            if (record.RollbackReadiness != null) w.Property("rollback_readiness", record.RollbackReadiness);
            if (record.RollbackRehearsal != null) w.Property("rollback_rehearsal", record.RollbackRehearsal);
            if (record.RollbackDrillHistory != null) w.Property("rollback_drill_history", record.RollbackDrillHistory);
            if (record.RollbackDrillSchedule != null) w.Property("rollback_drill_schedule", record.RollbackDrillSchedule);
            if (record.Audit != null) w.Property("promotion_audit", record.Audit);
            w.EndObject();
            return w.ToString();
        }

        private static void Text(CanonicalJsonWriter w, string key, string value)
        {
            if (!string.IsNullOrEmpty(value)) w.Property(key, value);
        }

        /// <summary>Go's answer without the string members equal to the built-in decision's and without a derivable evidence ref.</summary>
        private static JsonObject GoDelta(JsonObject go, Decisions.Decision dotnet)
        {
            var members = new List<KeyValuePair<string, JsonValue>>(go.Count);
            string goId = go.Get("decision_id") is JsonString id ? id.Value : "";
            string goSession = go.Get("session_id") is JsonString session ? session.Value : dotnet.SessionId;
            foreach (var m in go.Members)
            {
                if (m.Value is JsonString s && DotnetText(dotnet, m.Key) == s.Value) continue;
                if (m.Key == "evidence_refs" && m.Value is JsonArray refs && refs.Count == 1 && refs.Items[0] is JsonString r
                    && r.Value == "evidence://" + goSession + "/" + goId) continue;
                members.Add(m);
            }
            return new JsonObject(members);
        }

        private static string? DotnetText(Decisions.Decision d, string key)
        {
            switch (key)
            {
                case "decision": return d.Verdict;
                case "rule_id": return d.RuleId;
                case "severity": return d.Severity;
                case "session_id": return d.SessionId;
                case "agent_id": return d.AgentId;
                case "actor": return d.Actor;
                case "action_type": return d.ActionType;
                case "target": return d.Target;
                case "requested_operation": return d.RequestedOperation;
                case "policy_pack": return d.PolicyPack;
                case "policy_id": return d.PolicyId;
                case "reason": return d.Reason;
                case "approver_group": return d.ApproverGroup;
                default: return null;
            }
        }

        private static string NewJournalId()
        {
            var bytes = new byte[8];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return "jrn_" + InputFiles.ToHex(bytes);
        }

        private static string SafeMachineName()
        {
            try { return Environment.MachineName; }
            catch (InvalidOperationException) { return "unknown-host"; }
        }
    }
}
