package dev.dycoke4j.hub;

import java.util.List;

/** What the revision API says about a model at a revision: the commit it points to and the repo's file names. */
public record RepoInfo(String commit, List<String> files) {
    public RepoInfo {
        files = List.copyOf(files);
    }
}
