"""White-box signals: what a model's weights show, beside the reference's, when they are local."""
