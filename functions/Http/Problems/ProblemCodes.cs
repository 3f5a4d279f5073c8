namespace Credentials.Functions.Http.Problems;

/// <summary>Stable, machine-readable error codes. Clients branch on these; never rename one.</summary>
public static class ProblemCodes
{
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InternalError = "internal_error";
    public const string InvalidRequest = "invalid_request";
}
