using System.Text;
using System.Text.Json;

namespace Credentials.ImportGrants;

/// <summary>
/// The checkpoint and the per-line report in one append-only file: a line's result is written and flushed as soon as it
/// is known, so after a crash the file names every line that was finished. A half-written last line (the crash came
/// mid-write) is ignored and that input line is sent again, which the service answers as already imported.
/// </summary>
public sealed class ProgressFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Lock _gate = new();

    private ProgressFile(FileStream stream, Dictionary<int, LineResult> done)
    {
        _stream = stream;
        Done = done;
    }

    /// <summary>The last recorded result of each finished line, by input line number.</summary>
    public IReadOnlyDictionary<int, LineResult> Done { get; }

    public static ProgressFile Open(string path)
    {
        var done = new Dictionary<int, LineResult>();
        if (File.Exists(path))
        {
            foreach (var text in File.ReadLines(path))
            {
                try
                {
                    if (JsonSerializer.Deserialize<LineResult>(text) is { Line: > 0 } result)
                    {
                        done[result.Line] = result;
                    }
                }
                catch (JsonException)
                {
                    // Only the last line can be cut short, by a crash while it was written.
                }
            }
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (stream.Length > 0)
        {
            // A cut-short last line must not swallow the first one written now.
            using var tail = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            tail.Seek(-1, SeekOrigin.End);
            if (tail.ReadByte() != '\n')
            {
                stream.WriteByte((byte)'\n');
            }
        }

        return new ProgressFile(stream, done);
    }

    public void Record(LineResult result)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(result) + "\n");
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    public void Dispose() => _stream.Dispose();
}
