using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Kis.Realtime.Tests.Packaging;

/// <summary>
/// The binary contract between the packages: every type and member one package's assembly references in a sibling
/// (public or, through InternalsVisibleTo, internal) must exist in the sibling it ships with. Read from the
/// assemblies' metadata: a type by namespace and name (nested types by their path), a method by name, generic arity
/// and parameter count, a field by name. What a mixed-version install would break at run time
/// (TypeLoadException, MissingMethodException, MissingFieldException), found before shipping.
/// </summary>
internal static class SiblingAbi
{
    /// <summary>What <paramref name="assembly"/> references in the assemblies of <paramref name="siblings"/> (simple
    /// name → file) that they do not define: one line per missing type or member.</summary>
    public static IReadOnlyList<string> Missing(string assembly, IReadOnlyDictionary<string, string> siblings)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var md = pe.GetMetadataReader();
        var defined = new Dictionary<string, Definitions>(StringComparer.Ordinal);
        Definitions? Sibling(string name)
        {
            if (!siblings.TryGetValue(name, out var path)) return null;
            if (!defined.TryGetValue(name, out var d)) defined[name] = d = Definitions.Read(path);
            return d;
        }

        var missing = new List<string>();
        foreach (var handle in md.TypeReferences)
        {
            if (Scope(md, handle) is not { } scope || Sibling(scope) is not { } sibling) continue;
            var type = FullName(md, handle);
            if (!sibling.Types.ContainsKey(type)) missing.Add($"{scope}: type {type}");
        }
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (DeclaringType(md, member.Parent) is not { } typeRef || Scope(md, typeRef) is not { } scope || Sibling(scope) is not { } sibling) continue;
            var type = FullName(md, typeRef);
            var name = md.GetString(member.Name);
            var shape = Shape(md.GetBlobReader(member.Signature));
            if (!sibling.Types.TryGetValue(type, out var members) || !members.Contains(name + shape))
                missing.Add($"{scope}: {type}.{name}{shape}");
        }
        return missing;
    }

    /// <summary>The type reference behind a member's parent: the type itself, or the generic type of an instantiation.</summary>
    private static TypeReferenceHandle? DeclaringType(MetadataReader md, EntityHandle parent)
    {
        if (parent.Kind == HandleKind.TypeReference) return (TypeReferenceHandle)parent;
        if (parent.Kind != HandleKind.TypeSpecification) return null;
        var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return null;
        blob.ReadSignatureTypeCode(); // CLASS or VALUETYPE
        var generic = blob.ReadTypeHandle();
        return generic.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)generic : null;
    }

    /// <summary>The assembly a type reference points into (through its enclosing types), or null (this module, a module ref).</summary>
    private static string? Scope(MetadataReader md, TypeReferenceHandle handle)
    {
        var scope = md.GetTypeReference(handle).ResolutionScope;
        while (scope.Kind == HandleKind.TypeReference) scope = md.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
        return scope.Kind == HandleKind.AssemblyReference ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) : null;
    }

    private static string FullName(MetadataReader md, TypeReferenceHandle handle)
    {
        var type = md.GetTypeReference(handle);
        var name = md.GetString(type.Name);
        return type.ResolutionScope.Kind == HandleKind.TypeReference
            ? FullName(md, (TypeReferenceHandle)type.ResolutionScope) + "/" + name
            : Qualified(md.GetString(type.Namespace), name);
    }

    private static string Qualified(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

    /// <summary>A member signature's shape: <c>`arity(parameters)</c> for a method, empty for a field.</summary>
    private static string Shape(BlobReader signature)
    {
        var header = signature.ReadSignatureHeader();
        if (header.Kind == SignatureKind.Field) return "";
        var arity = header.IsGeneric ? signature.ReadCompressedInteger() : 0;
        return $"`{arity}({signature.ReadCompressedInteger()})";
    }

    /// <summary>The types an assembly defines, each with its members' names and shapes.</summary>
    private sealed record Definitions(Dictionary<string, HashSet<string>> Types)
    {
        public static Definitions Read(string path)
        {
            using var pe = new PEReader(File.OpenRead(path));
            var md = pe.GetMetadataReader();
            var types = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var handle in md.TypeDefinitions)
            {
                var type = md.GetTypeDefinition(handle);
                var members = new HashSet<string>(StringComparer.Ordinal);
                foreach (var m in type.GetMethods())
                {
                    var method = md.GetMethodDefinition(m);
                    members.Add(md.GetString(method.Name) + Shape(md.GetBlobReader(method.Signature)));
                }
                foreach (var f in type.GetFields()) members.Add(md.GetString(md.GetFieldDefinition(f).Name));
                types[Name(md, type)] = members;
            }
            return new Definitions(types);
        }

        private static string Name(MetadataReader md, TypeDefinition type)
        {
            var name = md.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil ? Qualified(md.GetString(type.Namespace), name) : Name(md, md.GetTypeDefinition(declaring)) + "/" + name;
        }
    }
}
