using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// AF_UNIX stream sockets from netstandard2.0. The endpoint type (<c>UnixDomainSocketEndPoint</c>) exists on every
    /// .NET Core runtime (pwsh 7) but not in netstandard2.0 or .NET Framework (Windows PowerShell 5.1), so it is created by
    /// reflection; where it is missing, <see cref="IsSupported"/> is false and <see cref="UnsupportedReason"/> says why.
    /// </summary>
    public static class UnixSocket
    {
        /// <summary>sun_path is 108 bytes on Linux and 104 on macOS, terminating NUL included.</summary>
        public const int MaxPathBytes = 103;

        private static readonly Type? EndPointType = Type.GetType("System.Net.Sockets.UnixDomainSocketEndPoint, System.Net.Sockets", false);

        public static bool IsSupported => EndPointType != null;

        public static string UnsupportedReason => IsSupported ? ""
            : $"Unix domain sockets are not available in this runtime ({RuntimeInformation.FrameworkDescription}); the daemon transport needs PowerShell 7 or later";

        public static EndPoint CreateEndPoint(string path)
        {
            if (EndPointType == null) throw new PlatformNotSupportedException(UnsupportedReason);
            return (EndPoint)Activator.CreateInstance(EndPointType, path)!;
        }

        public static Socket NewSocket() => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    }

    /// <summary>
    /// A directory only its owner can enter (0700 on Unix), for a daemon's socket: the socket itself carries no other
    /// access control (docs/design/runtime-protocol.md §3.4). Created under the temp folder with an unguessable name; never reused.
    /// </summary>
    internal static class PrivateDirectory
    {
        private const int OwnerOnly = 0x1C0; // 0700
        private static readonly Type? UnixFileModeType = Type.GetType("System.IO.UnixFileMode", false);
        private static readonly MethodInfo? CreateWithMode = UnixFileModeType == null ? null
            : typeof(Directory).GetMethod("CreateDirectory", new[] { typeof(string), UnixFileModeType });
        private static readonly MethodInfo? GetMode = UnixFileModeType == null ? null
            : typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });

        public static string Create(string prefix)
        {
            string root = Path.GetTempPath();
            // A long TMPDIR (macOS) can push the socket path past sun_path; /tmp is always short.
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && System.Text.Encoding.UTF8.GetByteCount(root) > 60 && Directory.Exists("/tmp")) root = "/tmp";
            for (int attempt = 0; attempt < 5; attempt++)
            {
                string path = Path.Combine(root, prefix + RandomHex(8));
                if (Directory.Exists(path) || File.Exists(path)) continue;
                if (CreateWithMode != null && !RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    try { CreateWithMode.Invoke(null, new object[] { path, Enum.ToObject(UnixFileModeType!, OwnerOnly) }); }
                    catch (TargetInvocationException ex) when (ex.InnerException != null) { throw ex.InnerException; }
                    // CreateDirectory applies the umask and succeeds on an existing directory: check what we got.
                    var info = new DirectoryInfo(path);
                    if ((info.Attributes & FileAttributes.ReparsePoint) != 0) continue;
                    if (GetMode != null && Convert.ToInt32(GetMode.Invoke(null, new object[] { path })) != OwnerOnly)
                        throw new IOException($"{path} is not private (expected mode 0700)");
                }
                else
                {
                    // Windows: the per-user temp folder already belongs to the user.
                    Directory.CreateDirectory(path);
                }
                return path;
            }
            throw new IOException("could not create a private directory under " + root);
        }

        public static void Delete(string path)
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                try { if (Directory.Exists(path)) Directory.Delete(path, true); return; }
                catch (IOException) { System.Threading.Thread.Sleep(20); }
                catch (UnauthorizedAccessException) { return; }
            }
        }

        private static string RandomHex(int bytes)
        {
            var buffer = new byte[bytes];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(buffer);
            return FileSystem.InputFiles.ToHex(buffer);
        }
    }

    /// <summary>Asks a process to stop (SIGTERM) so it can clean up, where the platform allows it.</summary>
    internal static class Signals
    {
        private const int SIGTERM = 15;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SysKill(int pid, int signal);

        public static bool TryTerminate(System.Diagnostics.Process process)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return false;
            try
            {
                if (process.HasExited) return true;
                return SysKill(process.Id, SIGTERM) == 0;
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is InvalidOperationException)
            {
                return false;
            }
        }
    }
}
