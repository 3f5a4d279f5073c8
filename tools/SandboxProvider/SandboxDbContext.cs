using Microsoft.EntityFrameworkCore;

namespace Credentials.SandboxProvider;

/// <summary>OpenIddict's applications, authorizations and tokens, in an in-memory SQLite database: one per server instance.</summary>
internal sealed class SandboxDbContext(DbContextOptions<SandboxDbContext> options) : DbContext(options);
