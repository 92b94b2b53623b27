using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Cavra.Gate.Authoring;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Json;

namespace Cavra.Gate.Notifications
{
    /// <summary>One thing wrong with the ledger, at a line (1-based; 0 for the file as a whole).</summary>
    public sealed class NotificationLedgerProblem
    {
        public NotificationLedgerProblem(long lineNumber, string message) { LineNumber = lineNumber; Message = message; }
        public long LineNumber { get; }
        public string Message { get; }
        public override string ToString() => LineNumber > 0 ? $"line {LineNumber}: {Message}" : Message;
    }

    /// <summary>The ledger as read: every record in file order, split by kind, and what could not be read.</summary>
    public sealed class NotificationLedgerContents
    {
        internal NotificationLedgerContents(string path, bool exists)
        {
            Path = path;
            Exists = exists;
        }

        /// <summary>An empty ledger (no file) at <paramref name="path"/>.</summary>
        public static NotificationLedgerContents Empty(string path) => new NotificationLedgerContents(path ?? "", false);

        public string Path { get; }
        /// <summary>False when there is no ledger file yet: nothing was ever delivered.</summary>
        public bool Exists { get; }
        public List<INotificationRecord> Records { get; } = new List<INotificationRecord>();
        public List<DeliveryRecord> Deliveries { get; } = new List<DeliveryRecord>();
        public List<RetryApprovalDecision> Decisions { get; } = new List<RetryApprovalDecision>();
        public List<RetryExecutionRecord> Executions { get; } = new List<RetryExecutionRecord>();
        public List<ConnectorRecoveryClosure> Closures { get; } = new List<ConnectorRecoveryClosure>();
        /// <summary>Lines that could not be read (reading went on past them), or the file as a whole (line 0).</summary>
        public List<NotificationLedgerProblem> Problems { get; } = new List<NotificationLedgerProblem>();
        /// <summary>Whole lines read (records and problems alike).</summary>
        public long Lines { get; internal set; }

        public bool Valid => Problems.Count == 0;

        public DeliveryRecord? FindDelivery(string deliveryId)
        {
            foreach (var d in Deliveries) if (d.DeliveryId == deliveryId) return d;
            return null;
        }

        // Lookups by id and by scope, so the recovery state stays linear in the ledger's size (the gate reads it per evaluation).
        // Rebuilt when the lists have grown since (they are only ever appended to).
        private (int Decisions, int Executions) _indexed = (-1, -1);
        private Dictionary<string, RetryApprovalDecision> _latestByScope = new Dictionary<string, RetryApprovalDecision>(StringComparer.Ordinal);
        private Dictionary<string, RetryApprovalDecision> _decisionById = new Dictionary<string, RetryApprovalDecision>(StringComparer.Ordinal);
        private Dictionary<string, RetryExecutionRecord> _executionById = new Dictionary<string, RetryExecutionRecord>(StringComparer.Ordinal);

        private void Index()
        {
            if (_indexed == (Decisions.Count, Executions.Count)) return;
            var latest = new Dictionary<string, RetryApprovalDecision>(StringComparer.Ordinal);
            var decisions = new Dictionary<string, RetryApprovalDecision>(StringComparer.Ordinal);
            var executions = new Dictionary<string, RetryExecutionRecord>(StringComparer.Ordinal);
            foreach (var d in Decisions) { latest[Scope(d.DeliveryId, d.Provider)] = d; decisions[d.DecisionId] = d; }
            foreach (var e in Executions) executions[e.ExecutionId] = e; // ids are content hashes: the same id is the same line
            (_latestByScope, _decisionById, _executionById, _indexed) = (latest, decisions, executions, (Decisions.Count, Executions.Count));
        }

        private static string Scope(string deliveryId, string provider) => deliveryId + "\n" + provider;

        /// <summary>The last decision line for the (delivery id, provider) scope, or null.</summary>
        internal RetryApprovalDecision? LatestDecision(string deliveryId, string provider)
        {
            Index();
            return _latestByScope.TryGetValue(Scope(deliveryId, provider), out var d) ? d : null;
        }

        internal RetryApprovalDecision? Decision(string decisionId)
        {
            Index();
            return _decisionById.TryGetValue(decisionId, out var d) ? d : null;
        }

        internal RetryExecutionRecord? Execution(string executionId)
        {
            Index();
            return _executionById.TryGetValue(executionId, out var e) ? e : null;
        }

        internal void Add(INotificationRecord record)
        {
            Records.Add(record);
            switch (record)
            {
                case DeliveryRecord d: Deliveries.Add(d); break;
                case RetryApprovalDecision a: Decisions.Add(a); break;
                case RetryExecutionRecord e: Executions.Add(e); break;
                case ConnectorRecoveryClosure c: Closures.Add(c); break;
            }
        }
    }

    /// <summary>What one <see cref="NotificationLedger.Append"/> did.</summary>
    public sealed class NotificationLedgerAppend
    {
        internal NotificationLedgerAppend(string path, int lines, string tornTailPath) { Path = path; Lines = lines; TornTailPath = tornTailPath; }
        public string Path { get; }
        public int Lines { get; }
        /// <summary>Where a torn final line left by a killed writer was moved before this append, or "" when there was none.</summary>
        public string TornTailPath { get; }
    }

    /// <summary>The ledger cannot be appended to (it would pass the size cap, a record would not read back); nothing was appended.</summary>
    public sealed class NotificationLedgerException : IOException
    {
        public NotificationLedgerException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>
    /// The notification ledger: one JSONL file holding every delivery, approval decision, retry execution and closure
    /// (docs/design/notifications.md §6). Lines are only ever appended.
    /// <list type="bullet">
    /// <item>Appends hold the cross-process <c>&lt;ledger&gt;.lock</c> (<see cref="EvidenceFileLock"/>), write a batch of whole
    /// lines in one write and fsync it, so concurrent writers never interleave and a returned append is on disk.</item>
    /// <item>A writer killed mid-write leaves a final line without its newline. <see cref="Read"/> reports it as a problem;
    /// the next <see cref="Append"/> moves those bytes to <c>&lt;ledger&gt;.torn-&lt;n&gt;</c> (never deleted, so nothing
    /// vanishes without a trace) and cuts the ledger back to its last newline before appending.</item>
    /// <item>The ledger and its lock must be regular files: a symbolic link, FIFO, device or directory is refused, never
    /// followed or opened (docs/design/file-system-rules.md).</item>
    /// <item>Reads are bounded by <see cref="MaxLedgerBytes"/>; an append that would cross it is refused, so a writer
    /// never produces a ledger its reader refuses.</item>
    /// </list>
    /// </summary>
    public static class NotificationLedger
    {
        /// <summary>64 MiB: a delivery line is about a kilobyte, so this holds tens of thousands of notifications —
        /// years of daily drills to a handful of providers. Past it the operator archives the file (docs/design/notifications.md §6).</summary>
        public const long MaxLedgerBytes = 64L * 1024 * 1024;

        /// <summary>How long reading a whole ledger (at most <see cref="MaxLedgerBytes"/>) may take.</summary>
        public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);

        public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, true);

        /// <summary>Appends the records as whole lines, in order, in one write followed by an fsync.</summary>
        /// <exception cref="NotARegularFileException">The ledger (or its lock) is a symbolic link, FIFO, device, directory, ...</exception>
        /// <exception cref="NotificationLedgerException">The append would make the ledger larger than <see cref="MaxLedgerBytes"/>.</exception>
        /// <exception cref="TimeoutException">Another writer held the lock longer than <paramref name="lockTimeout"/>.</exception>
        public static NotificationLedgerAppend Append(string path, IReadOnlyList<INotificationRecord> records, TimeSpan? lockTimeout = null)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("a ledger path is required", nameof(path));
            if (records == null) throw new ArgumentNullException(nameof(records));
            string full = System.IO.Path.GetFullPath(path);
            if (records.Count == 0) return new NotificationLedgerAppend(full, 0, "");

            // Lines are built (and proved readable) before the lock: a record this reader would refuse is never written.
            var batch = new MemoryStream();
            foreach (var record in records)
            {
                if (record == null) throw new ArgumentException("a record is null", nameof(records));
                string line = NotificationRecords.ToLine(record);
                if (!StrictJsonParser.TryParse(line, out var parsed, out var error) || !(parsed is JsonObject o))
                    throw new NotificationLedgerException($"record {record} did not serialise to one JSON object: {error?.Message}");
                try { NotificationRecords.FromJson(o); }
                catch (InvalidNotificationRecordException ex) { throw new NotificationLedgerException($"record {record} would not read back: {ex.Message}", ex); }
                byte[] bytes = Utf8.GetBytes(line);
                batch.Write(bytes, 0, bytes.Length);
                batch.WriteByte((byte)'\n');
            }

            AtomicFileWriter.RefuseSpecialTarget(full);
            string? directory = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            using (EvidenceFileLock.Acquire(full, lockTimeout ?? DefaultLockTimeout))
            {
                AtomicFileWriter.RefuseSpecialTarget(full); // again under the lock: the path may have been swapped while we waited
                using (var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1))
                {
                    string torn = RepairTornTail(stream, full);
                    if (stream.Length + batch.Length > MaxLedgerBytes)
                        throw new NotificationLedgerException(
                            $"the notification ledger {full} would grow past {MaxLedgerBytes / (1024 * 1024)} MiB, which the gate refuses to read; "
                            + "move it aside to archive it (its open failures then need a new delivery or closure in the new ledger)");
                    stream.Seek(0, SeekOrigin.End);
                    stream.Write(batch.GetBuffer(), 0, (int)batch.Length);
                    stream.Flush(true);
                    return new NotificationLedgerAppend(full, records.Count, torn);
                }
            }
        }

        /// <summary>
        /// Moves bytes after the last newline (a line a killed writer tore) to a new <c>&lt;ledger&gt;.torn-&lt;n&gt;</c> file,
        /// fsynced, then cuts the ledger back to its last newline. Returns the torn file's path, or "".
        /// </summary>
        private static string RepairTornTail(FileStream stream, string full)
        {
            long length = stream.Length;
            if (length == 0) return "";
            var one = new byte[1];
            stream.Seek(length - 1, SeekOrigin.Begin);
            FileTail.ReadExactly(stream, one, 1, Changed);
            if (one[0] == (byte)'\n') return "";

            long keep = FileTail.LastIndexOf(stream, (byte)'\n', length, Changed) + 1; // bytes up to and including the last newline
            long tornLength = length - keep;
            if (tornLength > MaxLedgerBytes) throw new NotificationLedgerException($"the notification ledger {full} ends in {tornLength} bytes without a newline; it is not a ledger");
            var tail = new byte[tornLength];
            stream.Seek(keep, SeekOrigin.Begin);
            FileTail.ReadExactly(stream, tail, tail.Length, Changed);

            string tornPath = "";
            for (int n = 1; ; n++)
            {
                tornPath = full + ".torn-" + n;
                if (FileKinds.Of(tornPath, followLinks: false) != FileKind.Missing) continue;
                try
                {
                    // CreateNew: never overwrites, and fails rather than following a link planted since the check.
                    using (var torn = new FileStream(tornPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
                    {
                        torn.Write(tail, 0, tail.Length);
                        torn.Flush(true);
                    }
                    break;
                }
                catch (IOException) when (File.Exists(tornPath) || FileKinds.Of(tornPath, followLinks: false) != FileKind.Missing) { }
            }
            stream.SetLength(keep);
            stream.Flush(true);
            return tornPath;
        }

        private const string Changed = "the notification ledger changed while it was being appended to";

        /// <summary>
        /// Reads the whole ledger. A missing file gives empty contents with <see cref="NotificationLedgerContents.Exists"/>
        /// false; a file that cannot be read at all (special file, too large, permission) gives one problem at line 0; a line
        /// that is not a record this version reads is a problem naming its line, and reading goes on. Never throws on bad input.
        /// </summary>
        public static NotificationLedgerContents Read(InputFiles files, string path)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            if (string.IsNullOrEmpty(path)) return NotificationLedgerContents.Empty("");
            string full = files.Resolve(path);
            var kind = FileKinds.Of(full);
            if (kind == FileKind.Missing) return NotificationLedgerContents.Empty(full);
            var contents = new NotificationLedgerContents(full, true);
            if (kind != FileKind.Regular)
            {
                contents.Problems.Add(new NotificationLedgerProblem(0, $"the notification ledger {full} is not a regular file: {FileKinds.Describe(kind)}"));
                return contents;
            }
            byte[] bytes;
            try { bytes = RegularFiles.ReadAll(files.OpenRead, full, MaxLedgerBytes, ReadTimeout); }
            catch (FileNotFoundException) { return NotificationLedgerContents.Empty(full); }
            catch (FileTooLargeException ex) { return Whole(contents, $"the notification ledger {full} is {ex.Message}; archive it (move it aside)"); }
            catch (NotARegularFileException ex) { return Whole(contents, $"the notification ledger {full} is not a regular file: {FileKinds.Describe(ex.Kind)}"); }
            catch (TimeoutException) { return Whole(contents, $"the notification ledger {full} could not be read within {ReadTimeout.TotalSeconds:0} seconds"); }
            catch (UnauthorizedAccessException) { return Whole(contents, $"the notification ledger {full} could not be read: permission denied"); }
            catch (IOException ex) { return Whole(contents, $"the notification ledger {full} could not be read: {ex.Message}"); }

            long lineNumber = 0;
            int start = 0;
            while (start < bytes.Length)
            {
                int end = Array.IndexOf(bytes, (byte)'\n', start);
                bool torn = end < 0;
                if (torn) end = bytes.Length;
                lineNumber++;
                if (torn)
                {
                    contents.Problems.Add(new NotificationLedgerProblem(lineNumber,
                        "the last line has no newline: a writer was cut off mid-append; the next append moves it to a .torn-<n> file beside the ledger"));
                    break;
                }
                contents.Lines = lineNumber;
                ReadLine(contents, bytes, start, end - start, lineNumber);
                start = end + 1;
            }
            return contents;
        }

        private static NotificationLedgerContents Whole(NotificationLedgerContents contents, string message)
        {
            contents.Problems.Add(new NotificationLedgerProblem(0, message));
            return contents;
        }

        private static void ReadLine(NotificationLedgerContents contents, byte[] bytes, int offset, int count, long lineNumber)
        {
            if (count > 0 && bytes[offset + count - 1] == (byte)'\r') count--; // a line edited on Windows still reads
            if (count == 0)
            {
                contents.Problems.Add(new NotificationLedgerProblem(lineNumber, "the line is empty"));
                return;
            }
            var line = new byte[count];
            Buffer.BlockCopy(bytes, offset, line, 0, count);
            if (!StrictJsonParser.TryParse(line, out var value, out var error))
            {
                contents.Problems.Add(new NotificationLedgerProblem(lineNumber, "the line is not valid JSON: " + error!.Message));
                return;
            }
            if (!(value is JsonObject o))
            {
                contents.Problems.Add(new NotificationLedgerProblem(lineNumber, "the line is not a JSON object"));
                return;
            }
            try { contents.Add(NotificationRecords.FromJson(o)); }
            catch (InvalidNotificationRecordException ex) { contents.Problems.Add(new NotificationLedgerProblem(lineNumber, ex.Message)); }
            // A line whose fields read but that a record's own constructor refuses is a bad line too: reading never throws.
            catch (ArgumentException ex) { contents.Problems.Add(new NotificationLedgerProblem(lineNumber, "the record is invalid: " + ex.Message)); }
        }
    }
}
