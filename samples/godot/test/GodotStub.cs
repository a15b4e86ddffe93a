// NOT SHIPPED. A test-only stand-in for the few GodotSharp types that
// NpcDialogue.cs uses, plus what Godot's source generator adds to the partial
// class (SignalName), so CTest (csharp_godot_sample_compiles) can compile the
// sample with Mono where Godot is not installed. In a Godot project the real
// GodotSharp assembly and generator provide these; do not copy this file.
namespace Godot
{
    public class GodotObject
    {
        public Error EmitSignal(StringName signal, params Variant[] args)
        {
            return Error.Ok;
        }
    }
    public class Node : GodotObject
    {
        public virtual void _Ready() {}
        public virtual void _Process(double delta) {}
        public virtual void _ExitTree() {}
        public void SetProcess(bool enable) {}
    }
    public class Node3D : Node
    {
        public Vector3 GlobalPosition { get; set; }
    }
    public struct Vector3
    {
        public float X, Y, Z;
        public float DistanceTo(Vector3 to)
        {
            return (float)System.Math.Sqrt((X - to.X) * (X - to.X) +
                                           (Y - to.Y) * (Y - to.Y) +
                                           (Z - to.Z) * (Z - to.Z));
        }
    }
    public enum Error { Ok = 0 }
    public enum PropertyHint { None = 0, MultilineText = 18 }
    public sealed class StringName
    {
        public static implicit operator StringName(string name)
        {
            return new StringName();
        }
    }
    public struct Variant
    {
        public static implicit operator Variant(string value)
        {
            return new Variant();
        }
    }
    public static class GD
    {
        public static void PushError(string message) {}
    }
    public static class OS
    {
        public static bool HasFeature(string tag) { return false; }
        public static string GetExecutablePath() { return "/game/game"; }
    }
    public static class ProjectSettings
    {
        public static string GlobalizePath(string path) { return path; }
    }
    [System.AttributeUsage(System.AttributeTargets.Field |
                           System.AttributeTargets.Property)]
    public sealed class ExportAttribute : System.Attribute
    {
        public ExportAttribute(PropertyHint hint = PropertyHint.None,
                               string hintString = "") {}
    }
    [System.AttributeUsage(System.AttributeTargets.Delegate)]
    public sealed class SignalAttribute : System.Attribute {}
}

// What Godot's source generator emits for NpcDialogue's [Signal].
public partial class NpcDialogue
{
    public static class SignalName
    {
        public static readonly Godot.StringName LineChanged = "LineChanged";
    }
}
