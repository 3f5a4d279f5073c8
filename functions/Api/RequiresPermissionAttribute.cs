namespace Credentials.Functions.Api;

/// <summary>
/// Marks an HTTP function whose caller must be admitted first: authenticated, its <c>{userId}</c> and
/// <c>{connectionId}</c> route values valid, and authorized for <see cref="Permission"/> on them
/// (<see cref="CallerAdmission"/> does this before the function runs, in the worker and in the dev host alike).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class RequiresPermissionAttribute(string permission) : Attribute
{
    public string Permission { get; } = permission;
}
