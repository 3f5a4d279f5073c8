namespace Credentials.Functions.Audit;

/// <summary>An event could not be accepted for the audit log (its queue is full): the request it belongs to must not proceed.</summary>
internal sealed class AuditUnavailableException : Exception
{
    public AuditUnavailableException()
        : base("The audit queue is full; the request was refused so that nothing happens unaudited.")
    {
    }

    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    public AuditUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
