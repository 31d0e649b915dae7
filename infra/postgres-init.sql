-- A second database for the Prefect server beside gongwen's own.
CREATE DATABASE prefect OWNER gongwen;
