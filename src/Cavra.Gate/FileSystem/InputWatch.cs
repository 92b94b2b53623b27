using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Cavra.Gate.FileSystem
{
    /// <summary>
    /// Linux inotify over a set of input paths, so a stream of actions can ask "did any input change?" with one
    /// non-blocking <c>read</c> instead of a <c>stat</c> per input per action (docs/design/evaluation.md §2.1). The kernel
    /// queues an event inside the writer's own system call, so a change completed before <see cref="Changed"/> is seen by
    /// it: the look stays as synchronous, and as fail-closed, as the stat it replaces.
    /// <para>Each watched path is covered by a watch on every directory from the root down (for the next component's name:
    /// created, deleted, renamed, chmod), on the file's own inode (written through any hard link) and, for a directory
    /// input, on its entries. A path with a symbolic link anywhere in it, one the kernel would not watch (limits,
    /// permissions) and every path on other systems stay <see cref="Unwatched"/>: the caller keeps stat-ing those.</para>
    /// Anything it cannot vouch for — a queue overflow, a watch the kernel dropped, a read error — counts as a change.
    /// Not thread-safe: one look at a time.
    /// </summary>
    internal sealed class InputWatch : IDisposable
    {
        private const uint IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80,
            IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800,
            IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000, IN_ONLYDIR = 0x1000000, IN_DONT_FOLLOW = 0x2000000, IN_MASK_ADD = 0x20000000;
        private const uint EntryEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
        private const uint ContentEvents = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
        // IN_NONBLOCK and IN_CLOEXEC are O_NONBLOCK and O_CLOEXEC: the same on every architecture .NET runs Linux on.
        private const int IN_NONBLOCK = 0x800, IN_CLOEXEC = 0x80000;
        private const int EAGAIN = 11, EINTR = 4;
        private const int S_IFMT = 0xF000, S_IFLNK = 0xA000, S_IFDIR = 0x4000;

        /// <summary>What one watch descriptor stands for: names in a directory that matter, or every event (an input itself).</summary>
        private sealed class Watch
        {
            public readonly HashSet<string> Names = new HashSet<string>(StringComparer.Ordinal);
            public bool Every;
        }

        private readonly int _fd;
        private readonly Dictionary<int, Watch> _watches = new Dictionary<int, Watch>();
        private readonly byte[] _events = new byte[16 * 1024];
        private bool _disposed;

        private InputWatch(int fd) { _fd = fd; }

        /// <summary>Indexes (into the paths given) the watch does not cover; the caller stats these on every look.</summary>
        public IReadOnlyList<int> Unwatched { get; private set; } = Array.Empty<int>();

        /// <summary>A watch over <paramref name="paths"/> (full paths; "" for an input not configured), or null where inotify is not available.</summary>
        public static InputWatch? TryCreate(IReadOnlyList<string> paths)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            int fd;
            try { fd = NativeInotify.Init(IN_NONBLOCK | IN_CLOEXEC); }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException) { return null; }
            if (fd < 0) return null; // e.g. the per-user instance limit: the caller stats every input
            var watch = new InputWatch(fd);
            var unwatched = new List<int>();
            for (int i = 0; i < paths.Count; i++)
                if (paths[i].Length > 0 && !watch.TryCover(paths[i])) unwatched.Add(i);
            watch.Unwatched = unwatched.ToArray();
            return watch;
        }

        /// <summary>
        /// Drains the queue: true when any event concerns a watched path (or the queue cannot be trusted). Events about
        /// other names in a watched directory are read and dropped.
        /// </summary>
        public bool Changed()
        {
            if (_disposed) return true;
            bool changed = false;
            while (true)
            {
                long n = (long)NativeInotify.Read(_fd, _events, (IntPtr)_events.Length);
                if (n < 0)
                {
                    int errno = Marshal.GetLastWin32Error();
                    if (errno == EINTR) continue;
                    return changed || errno != EAGAIN; // EAGAIN: nothing (more) queued
                }
                if (n == 0) return true;
                for (int at = 0; at + 16 <= n;)
                {
                    int wd = BitConverter.ToInt32(_events, at);
                    uint mask = BitConverter.ToUInt32(_events, at + 4);
                    int length = BitConverter.ToInt32(_events, at + 12);
                    if (!changed) changed = Concerns(wd, mask, _events, at + 16, length);
                    at += 16 + length;
                }
            }
        }

        private bool Concerns(int wd, uint mask, byte[] buffer, int nameAt, int length)
        {
            if ((mask & (IN_Q_OVERFLOW | IN_IGNORED)) != 0) return true;
            if (!_watches.TryGetValue(wd, out var watch)) return true;
            if (watch.Every) return true;
            int end = nameAt;
            while (end < nameAt + length && buffer[end] != 0) end++; // the name is NUL-padded
            if (end == nameAt) return (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB)) != 0; // the directory itself
            return watch.Names.Contains(Encoding.UTF8.GetString(buffer, nameAt, end - nameAt));
        }

        /// <summary>Watches every directory from the root down to <paramref name="path"/>, and the input itself; false when it cannot.</summary>
        private bool TryCover(string path)
        {
            string full;
            try { full = Path.GetFullPath(path); }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException) { return false; }
            if (!full.StartsWith("/", StringComparison.Ordinal)) return false;
            var parts = full.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) return false;
            string dir = "/";
            var status = new byte[NativeFiles.StatusBytes];
            for (int i = 0; i < parts.Length; i++)
            {
                bool last = i == parts.Length - 1;
                if (!Add(dir, IN_ONLYDIR | EntryEvents | (last ? ContentEvents : 0), parts[i], every: false)) return false;
                string next = dir == "/" ? "/" + parts[i] : dir + "/" + parts[i];
                if (NativeFiles.LStat(next, status) != 0) return true; // missing from here on: its creation is an event above
                int kind = NativeFiles.ModeOf(status) & S_IFMT;
                if (kind == S_IFLNK) return false; // a link can be re-pointed where no watch sees it
                if (last) return Add(next, IN_DONT_FOLLOW | (kind == S_IFDIR ? EntryEvents : ContentEvents), null, every: true);
                if (kind != S_IFDIR) return true; // a file where a directory should be: the path cannot exist; its replacement is an event above
                dir = next;
            }
            return true;
        }

        private bool Add(string path, uint mask, string? name, bool every)
        {
            int wd = NativeInotify.AddWatch(_fd, path, mask | IN_MASK_ADD);
            if (wd < 0) return false;
            if (!_watches.TryGetValue(wd, out var watch)) _watches[wd] = watch = new Watch();
            if (every) watch.Every = true;
            if (name != null) watch.Names.Add(name);
            return true;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            NativeInotify.Close(_fd);
            GC.SuppressFinalize(this);
        }

        ~InputWatch() { if (!_disposed) NativeInotify.Close(_fd); }

        private static class NativeInotify
        {
            [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
            public static extern int Init(int flags);

#pragma warning disable CA2101, SYSLIB1054 // paths are UTF-8 on Unix, which is the default marshalling there (as in NativeFiles)
            [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
            public static extern int AddWatch(int fd, string path, uint mask);
#pragma warning restore CA2101, SYSLIB1054

            [DllImport("libc", EntryPoint = "read", SetLastError = true)]
            public static extern IntPtr Read(int fd, byte[] buffer, IntPtr count);

            [DllImport("libc", EntryPoint = "close", SetLastError = true)]
            public static extern int Close(int fd);
        }
    }
}
