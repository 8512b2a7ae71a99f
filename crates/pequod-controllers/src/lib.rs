//! Pequod's controllers: Transform, instance, ResourceGraph and action reconcilers.
