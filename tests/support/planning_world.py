"""The planning rows of the tenant world: the project's workflow (two statuses and a transition), a
workspace custom field, a custom work item type, a label, a task and a shared saved view. Deleting
routes act on the `bystander_*` rows, so the ones personas use stay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.fields.models import CustomField, FieldType, WorkItemType
from fairlx.projects.models import Project
from fairlx.tasks.models import Label, PersonalItem, Task
from fairlx.views.models import SavedView, ViewScope, ViewType
from fairlx.workflows.models import DefinitionScope, StatusType, Workflow, WorkflowStatus, WorkflowTransition


@dataclass
class PlanningRows:
    workflow: Workflow
    status: WorkflowStatus
    transition: WorkflowTransition
    field: CustomField
    work_item_type: WorkItemType
    label: Label
    task: Task
    view: SavedView
    backlog_item: PersonalItem

    def ids(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow.id,
            "status_id": self.status.id,
            "transition_id": self.transition.id,
            "field_id": self.field.id,
            "type_id": self.work_item_type.id,
            "label_id": self.label.id,
            "task_ref": self.task.id,
            "task_id": self.task.id,
            "view_id": self.view.id,
            "item_id": self.backlog_item.id,
        }


async def write_planning(db: AsyncSession, project: Project, owner_id: uuid.UUID) -> PlanningRows:
    workspace_id = project.workspace_id
    workflow = Workflow(
        workspace_id=workspace_id, project_id=project.id, scope=DefinitionScope.PROJECT, name="Web flow", key="WEB"
    )
    db.add(workflow)
    await db.flush()
    todo, done = (
        WorkflowStatus(
            workspace_id=workspace_id,
            workflow_id=workflow.id,
            name=name,
            key=name.upper(),
            color=color,
            status_type=status_type,
            position=position,
            is_initial=position == 0,
            is_final=position == 1,
        )
        for position, (name, color, status_type) in enumerate(
            (("Todo", "#64748b", StatusType.OPEN), ("Done", "#16a34a", StatusType.CLOSED))
        )
    )
    db.add_all([todo, done])
    await db.flush()
    transition = WorkflowTransition(
        workspace_id=workspace_id, workflow_id=workflow.id, from_status_id=todo.id, to_status_id=done.id
    )
    project.workflow_id = workflow.id
    field = CustomField(
        workspace_id=workspace_id,
        scope=DefinitionScope.WORKSPACE,
        name="Severity",
        key="severity",
        field_type=FieldType.TEXT,
    )
    work_item_type = WorkItemType(
        workspace_id=workspace_id, project_id=project.id, scope=DefinitionScope.PROJECT, key="SPIKE", name="Spike"
    )
    label = Label(workspace_id=workspace_id, project_id=project.id, name="frontend", color="#2563eb")
    task = Task(
        workspace_id=workspace_id,
        project_id=project.id,
        number=1,
        key=f"{project.key}-1",
        type="TASK",
        title="Ship the login page",
        status_id=todo.id,
        priority="MEDIUM",
        position="a0",
        created_by=owner_id,
    )
    view = SavedView(
        workspace_id=workspace_id,
        project_id=project.id,
        scope=ViewScope.PROJECT,
        name="Open bugs",
        view_type=ViewType.LIST,
        created_by=owner_id,
    )
    backlog_item = PersonalItem(workspace_id=workspace_id, user_id=owner_id, title="Darker sidebar", position="a0")
    db.add_all([transition, field, work_item_type, label, task, view, backlog_item])
    await db.flush()
    return PlanningRows(workflow, todo, transition, field, work_item_type, label, task, view, backlog_item)
